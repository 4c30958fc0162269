/// The description of generated audio that the report shows with its players: a JSON file
/// (any name ending in `.json`) among an input's outputs, holding at least `prompt` and `audio`.
///
/// ```json
/// {"prompt": "a dog barking in the rain", "negative_prompt": "low quality", "seed": 42,
///  "steps": 50, "guidance_scale": 2.5, "model": "cvssp/audioldm-s-full-v2",
///  "audio": ["dog.wav"], "sample_rate": 16000, "seconds": 5.12}
/// ```
/// `audio` is one file name or a list, relative to the JSON file's folder. It is the shape an
/// AudioLDM-style generation pipeline is to write beside its WAVs; any tool can write it.
public struct GeneratedAudio: Sendable, Decodable, Equatable {
    public var prompt: String
    public var negativePrompt: String?
    public var seed: Int64?
    public var steps: Int?
    public var guidanceScale: Double?
    public var model: String?
    public var audio: [String]
    public var sampleRate: Int?
    public var seconds: Double?

    enum CodingKeys: String, CodingKey {
        case prompt, seed, steps, model, audio, seconds
        case negativePrompt = "negative_prompt", guidanceScale = "guidance_scale", sampleRate = "sample_rate"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        prompt = try container.decode(String.self, forKey: .prompt)
        negativePrompt = try container.decodeIfPresent(String.self, forKey: .negativePrompt)
        seed = try container.decodeIfPresent(Int64.self, forKey: .seed)
        steps = try container.decodeIfPresent(Int.self, forKey: .steps)
        guidanceScale = try container.decodeIfPresent(Double.self, forKey: .guidanceScale)
        model = try container.decodeIfPresent(String.self, forKey: .model)
        if let one = try? container.decode(String.self, forKey: .audio) {
            audio = [one]
        } else {
            audio = try container.decode([String].self, forKey: .audio)
        }
        sampleRate = try container.decodeIfPresent(Int.self, forKey: .sampleRate)
        seconds = try container.decodeIfPresent(Double.self, forKey: .seconds)
    }
}

/// Several generations in one file, as `write-clips` writes `generation.json`: `{"clips": [ … ]}`, each
/// clip a `GeneratedAudio`.
public struct GeneratedAudioList: Sendable, Decodable, Equatable {
    public var clips: [GeneratedAudio]
}
