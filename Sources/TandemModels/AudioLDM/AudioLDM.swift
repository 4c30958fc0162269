import Foundation
import TandemNN

/// AudioLDM (Liu et al. 2023): text-to-audio latent diffusion, computed as diffusers' `AudioLDMPipeline`
/// computes it, from the diffusers folder users download (`cvssp/audioldm-s-full-v2`, `audioldm-m-full`,
/// `audioldm-l-full`; the weights are CC BY-NC-SA 4.0, non-commercial).
///
/// A prompt's CLAP text embedding conditions a UNet that denoises a latent mel spectrogram; the VAE
/// decodes the latents to a log-mel and the HiFi-GAN vocoder turns it into audio. Besides generation
/// from text, `variation` re-noises an input clip's latents part-way and denoises them with a new
/// prompt, and `inpaint` regenerates a time range while re-injecting the clip's own latents elsewhere.
public final class AudioLDM: Sendable {
    public let url: URL
    public let tokenizer: RobertaTokenizer
    public let textEncoder: ClapTextEncoder
    public let unet: AudioLDMUNet
    public let autoencoder: AudioLDMAutoencoder
    public let vocoder: HiFiGANVocoder
    public let schedulerConfiguration: DiffusionSchedulerConfiguration
    /// The log-mel of input clips (variation, inpainting) at the vocoder's rate, hop and bands.
    public let melFrontEnd: AudioLDMMelFrontEnd

    /// How to get a checkpoint, appended to the error when one is missing.
    public static let howToObtain = """
        AudioLDM checkpoints are diffusers folders (model_index.json, unet/, vae/, text_encoder/, tokenizer/, \
        vocoder/, scheduler/): download cvssp/audioldm-s-full-v2 (or audioldm-m-full, audioldm-l-full) with \
        `huggingface-cli download cvssp/audioldm-s-full-v2 --local-dir Models/audioldm-s-full-v2` on a machine \
        with access to the Hugging Face hub; the weights are licensed CC BY-NC-SA 4.0 (non-commercial). \
        Components stored only as .bin convert with Tools/convert_audioldm_bin.py.
        """

    /// Loads and checks every component.
    /// - Throws: `WeightsError` or `AudioLDMError` naming the file: no folder, a missing component,
    ///   a configuration Tandem does not compute, missing or misshapen weights.
    public init(url: URL) throws {
        self.url = url
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder), isFolder.boolValue else {
            throw AudioLDMError(.missingComponent, file: url.path, "no AudioLDM checkpoint folder here. \(Self.howToObtain)")
        }
        let pipeline = try DiffusersPipeline(url: url, howToObtain: Self.howToObtain)
        for name in ["unet", "vae", "text_encoder", "tokenizer", "vocoder", "scheduler"] where pipeline.components[name] == nil {
            throw AudioLDMError(.missingComponent, file: url.appendingPathComponent("model_index.json").path,
                                "the pipeline lists no '\(name)' component; AudioLDM needs unet, vae, text_encoder, tokenizer, vocoder and scheduler")
        }
        tokenizer = try RobertaTokenizer(directory: url.appendingPathComponent("tokenizer"))
        textEncoder = try ClapTextEncoder(directory: pipeline.component("text_encoder"))
        unet = try AudioLDMUNet(directory: pipeline.component("unet"))
        autoencoder = try AudioLDMAutoencoder(directory: pipeline.component("vae"))
        vocoder = try HiFiGANVocoder(directory: pipeline.component("vocoder"))
        schedulerConfiguration = try DiffusionSchedulerConfiguration(
            url: url.appendingPathComponent("scheduler").appendingPathComponent("scheduler_config.json"))
        guard textEncoder.projectionDimension == unet.classEmbeddingDimension else {
            throw AudioLDMError(.unsupportedConfiguration, file: url.path,
                                "the text encoder projects to \(textEncoder.projectionDimension) but the UNet's class embedding takes \(unet.classEmbeddingDimension)")
        }
        guard unet.inChannels == autoencoder.latentChannels else {
            throw AudioLDMError(.unsupportedConfiguration, file: url.path,
                                "the UNet takes \(unet.inChannels) channels but the VAE's latents have \(autoencoder.latentChannels)")
        }
        melFrontEnd = try AudioLDMMelFrontEnd(sampleRate: vocoder.sampleRate, fftSize: Self.fftSize(hop: vocoder.hopLength),
                                          hopLength: vocoder.hopLength, melBins: vocoder.melBins)
    }

    /// AudioLDM's analysis window is 6.4 hops (1024 samples for its hop of 160); a vocoder with another hop
    /// keeps that ratio, rounded up to a power of two.
    static func fftSize(hop: Int) -> Int {
        var size = 1
        while Double(size) < 6.4 * Double(hop) { size *= 2 }
        return size
    }

    /// The vocoder's sample rate: every waveform in and out is at this rate.
    public var sampleRate: Int { vocoder.sampleRate }

    /// The latent shape for `seconds` of audio, as diffusers sizes it: ⌊seconds / hop time⌋ mel frames,
    /// rounded up to a multiple of the VAE's downsampling; the waveform is cut back to the duration.
    public func latentShape(seconds: Double) -> (latent: [Int], samples: Int) {
        let factor = autoencoder.downsamplingFactor
        var frames = Int(seconds / (Double(vocoder.hopLength) / Double(vocoder.sampleRate)))
        if frames % factor != 0 { frames = (frames + factor - 1) / factor * factor }
        return ([1, autoencoder.latentChannels, frames / factor, vocoder.melBins / factor], Int(seconds * Double(vocoder.sampleRate)))
    }

    // MARK: Text

    /// The L2-normalised CLAP embeddings of the negative (or empty) prompt and the prompt, [2, D] in that
    /// order when guidance applies, else [1, D] (the prompt's alone).
    ///
    /// The prompt is cut to the tokenizer's `model_max_length`; the negative prompt, as diffusers'
    /// `_encode_prompt` does it, to the embedding's width (it pads it to `prompt_embeds.shape[1]`) — the
    /// same 512 tokens for the published checkpoints, fewer for narrower ones.
    public func conditioning(prompt: String, negativePrompt: String?, guided: Bool) -> Tensor {
        var encoded = [tokenizer.padded(prompt, length: tokenizer.maxLength)]
        if guided {
            let length = min(textEncoder.projectionDimension, tokenizer.maxLength)
            let negative = tokenizer.padded(negativePrompt ?? "", length: length)
            // Both rows one length for the encoder; the extra padding is masked and changes nothing.
            let extra = tokenizer.maxLength - length
            encoded.insert((negative.ids + Array(repeating: tokenizer.padID, count: extra), negative.mask + Array(repeating: 0, count: extra)), at: 0)
        }
        return textEncoder.normalisedEmbeddings(ids: encoded.map(\.ids), mask: encoded.map(\.mask))
    }

    // MARK: Denoising

    /// Runs the sampler from `latents` over `sampler`'s timesteps starting at `start`, with
    /// classifier-free guidance when `conditioning` holds two rows; after each step `reinject` may replace
    /// part of the latents (inpainting).
    func denoise(_ latents: Tensor, conditioning: Tensor, guidance: Float, sampler: inout DiffusionSampler, start: Int = 0,
                 eta: Float = 0, noise: inout GaussianNoise, progress: (Int, Int) -> Void,
                 reinject: ((Tensor, Int) -> Tensor)? = nil) throws -> Tensor {
        var latents = latents
        let guided = conditioning.shape[0] == 2
        let total = sampler.timesteps.count - start
        for position in start..<sampler.timesteps.count {
            try Task.checkCancellation()
            let timestep = sampler.timesteps[position]
            let input = guided ? Tensor.concatenate([latents, latents], axis: 0) : latents
            var epsilon = unet(input, timestep: timestep, classLabels: conditioning)
            if guided {
                let halves = epsilon.chunked(2, axis: 0)
                epsilon = halves[0] + (halves[1] - halves[0]).scaled(by: guidance)
            }
            let varianceNoise = eta > 0 ? noise.tensor(shape: latents.shape) : nil
            latents = sampler.step(noisePrediction: epsilon, sample: latents, at: position, eta: eta, varianceNoise: varianceNoise)
            if let reinject { latents = reinject(latents, position) }
            progress(position - start + 1, total)
        }
        return latents
    }

    /// Latents → waveform [samples] at `sampleRate`: VAE decode of latents / scaling factor, vocoder.
    public func decode(_ latents: Tensor) -> (mel: Tensor, waveform: [Float]) {
        let mel = autoencoder.decode(latents.scaled(by: 1 / autoencoder.scalingFactor))
        let frames = mel.shape[2], bins = mel.shape[3]
        let audio = vocoder(mel.reshaped([mel.shape[0], frames, bins]))
        return (mel, audio.scalars)
    }

    /// A log-mel [frames, bins] → scaled posterior-mean latents [1, C, frames/f, bins/f] (deterministic,
    /// so a variation or an inpainting of the same clip and seed is the same every time).
    public func encode(logMel: Tensor) -> Tensor {
        let mel = logMel.reshaped([1, 1, logMel.shape[0], logMel.shape[1]])
        return autoencoder.encode(mel).mean.scaled(by: autoencoder.scalingFactor)
    }
}
