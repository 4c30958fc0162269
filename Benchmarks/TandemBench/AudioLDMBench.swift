import Foundation
import TandemModels
import TandemNN

// AudioLDM on an S-size diffusers folder: `TANDEM_AUDIOLDM_DIR` (made by
// `Tools/bench/audioldm_peer.py --make-checkpoint DIR`, random weights). Without it the suite has no cases.
// The case times one UNet call on [2, 8, 125, 16] latents (5 s of audio, the guidance batch of 2) at
// timestep 801, as the peer script times diffusers (the runner prints the process's peak RSS after the suite).
let audioLDMUNetBenchSuite = BenchSuite(name: "audioldm-unet") {
    let environment = ProcessInfo.processInfo.environment
    guard let path = environment["TANDEM_AUDIOLDM_DIR"] else { return [] }
    let pipeline = try DiffusersPipeline(url: URL(fileURLWithPath: path))
    let unet = try AudioLDMUNet(directory: pipeline.component("unet"))
    // Values do not change the work; a fixed pseudo-random fill keeps them away from denormals.
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    func noise(_ count: Int) -> [Float] {
        (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int64(bitPattern: state >> 11) % 2001 - 1000) / 1000
        }
    }
    let sample = Tensor(shape: [2, unet.inChannels, 125, 16], values: noise(2 * unet.inChannels * 125 * 16))
    let labels = Tensor(shape: [2, unet.classEmbeddingDimension], values: noise(2 * unet.classEmbeddingDimension))
    return [
        BenchCase(name: "UNet call [2, \(unet.inChannels), 125, 16]", units: 1, unitName: "steps") {
            // CPU time of the whole process per call, printed for the peer script: on a shared machine
            // other work inflates wall time but not the CPU this process spends.
            let cpuBefore = audioLDMProcessCPUSeconds()
            _ = unet(sample, timestep: 801, classLabels: labels)
            print(String(format: "audioldm-unet/cpu: %.4f s", audioLDMProcessCPUSeconds() - cpuBefore))
        },
    ]
}

/// User + system CPU time of the whole process (every thread).
private func audioLDMProcessCPUSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

// Whole 5 s generations (prompt and negative prompt, guidance 2.5, DDIM) at 10 and 50 steps on the same
// folder: text encoding, every UNet step, VAE decoding and the vocoder — what the peer script's
// `--generate` times in diffusers. `TANDEM_AUDIOLDM_STEPS` (comma-separated) picks the step counts.
let audioLDMGenerateBenchSuite = BenchSuite(name: "audioldm-generate") {
    let environment = ProcessInfo.processInfo.environment
    guard let path = environment["TANDEM_AUDIOLDM_DIR"] else { return [] }
    let model = try AudioLDM(url: URL(fileURLWithPath: path))
    let stepCounts = (environment["TANDEM_AUDIOLDM_STEPS"] ?? "10,50").split(separator: ",").compactMap { Int($0) }
    return stepCounts.map { steps in
        var request = AudioGenerationSettings(prompt: "a dog barks in the distance while rain falls", negativePrompt: "low quality")
        request.steps = steps
        let settings = request
        return BenchCase(name: "generate 5 s, \(steps) steps", units: 5, unitName: "audio s") {
            _ = try model.generate(settings, seconds: 5)
        }
    }
}
