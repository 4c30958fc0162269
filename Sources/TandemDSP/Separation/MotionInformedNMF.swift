import Foundation
import TandemCore

/// Audio-visual source separation that needs no trained weights: motion-informed NMF.
///
/// The method follows Parekh, Essid, Ozerov, Duong, Pérez and Richard, "Motion informed audio source
/// separation" (ICASSP 2017) and "Guiding audio source separation by video object information"
/// (WASPAA 2017): a player's visible motion starts when their notes start, so an NMF component whose
/// activations rise when a region moves belongs to that region's source.
///
/// 1. The mixture's magnitude STFT (channels averaged in the complex domain) is factorised with
///    `NMF` (KL or Itakura–Saito multiplicative updates of Févotte & Idier 2011, fixed seed), with
///    `componentsPerSource × sources` components.
/// 2. Each component's activation is scored against each region's motion energy (resampled to the
///    STFT frames) twice: its onset curve against the motion, lightly smoothed, and its energy over
///    time against the motion, both averaged over `envelopeSeconds` (where two players are left, its
///    activity instead — each onset spread over the next `activitySeconds` — against the motion averaged
///    over `activityMotionSeconds`: `pairActivityWeight`); each the best Pearson correlation over small
///    lags (see `attribute`).
/// 3. Components are grouped into whole sources by timbre and motion together (`JointGrouping`: each
///    region's summed activation against its motion, plus the timbre coherence of its components), and
///    regions compete as whole sources (`competing`): a region is dropped as silent only when the energy
///    its components carry is better explained by another region, and beyond the number of sources asked
///    for, the one whose loss costs the least evidence goes. A silent region yields a source flagged
///    `silent` with no sound, never the mixture. Without motion (no video stream), components are instead
///    grouped by spectral shape (k-means on log-compressed, normalised templates) and the result says so.
/// 4. Each source's model `V_s = H_s W_s` gives a Wiener-style soft mask `V_s^p / Σ_j V_j^p` (p =
///    `maskExponent`, 2 as in generalised Wiener filtering), applied to every channel's STFT and
///    inverted with the mixture phase. Silence stays silence (masks are 0/ε, never NaN).
/// 5. By default (`Model.ensemble`) the mixture is also factorised into whole harmonic instruments
///    (`HarmonicNMF`), matched to the regions by their motion and by where step 3's grouping puts their
///    energy (`matchSources`); each region's mask is the confidence-weighted mean of the two models' masks,
///    normalised across regions so the outputs still sum to the mixture.
public struct MotionInformedNMF: Sendable {
    /// The factorisation behind the separation.
    public enum Model: String, Sendable, Hashable, Codable, CaseIterable {
        /// `componentsPerSource × sources` free NMF components, grouped into players by timbre and motion.
        case components
        /// One `HarmonicNMF` source per player (a shared partial profile for all its notes, plus its noise),
        /// so the motion only has to match K sources to K regions.
        case harmonicSources
        /// Both, their masks averaged per region: the free components' Wiener masks and the harmonic sources'
        /// (matched to the regions with the components' grouping as a second opinion), weighted by
        /// `harmonicShare`, then normalised across the regions so the outputs sum to the mixture.
        case ensemble
    }

    public struct Configuration: Sendable, Hashable, Codable {
        /// n_fft; nil picks about 46 ms (2048 at 44.1 kHz, 1024 at 22.05 kHz, 512 at 11.025 kHz).
        public var fftSize: Int?
        /// Hop as a fraction of n_fft.
        public var hopFraction: Int = 4
        public var componentsPerSource: Int = 8
        public var divergence: NMF.Divergence = .kullbackLeibler
        /// Multiplicative-update iterations. 30, though the factorisation has not settled there: with an
        /// oracle assignment 80 allow more (tuning duets +12.8 → +14.9 dB, trios +11.1 → +13.1 dB; held-out
        /// +4.8 → +6.1, +7.2 → +8.0, +8.9 → +11.2 dB) and raised the tuning duets' and trios' medians
        /// through Tandem, but on the held-out clips the region-attributed score fell (trios +3.5 → +3.3,
        /// quartets +4.3 → +0.6 dB: sharper sources placed on the wrong regions cost more) and best
        /// permutation did not rise. More updates pay once the assignment places sources reliably; see
        /// `Tools/eval/results/separation.md`, branch `sepnmf`.
        public var iterations: Int = 30
        public var seed: UInt64 = 0x5EED
        public var maskExponent: Float = 2
        /// Largest audio–motion misalignment searched, seconds (video latency, motion preceding sound).
        public var maximumLagSeconds: Double = 0.12
        /// Moving-average length applied to both curves, seconds (about one or two video frames).
        public var smoothingSeconds: Double = 0.06
        /// Averaging length for the energy-over-time evidence, seconds (about a note or two).
        public var envelopeSeconds: Double = 0.5
        /// Weight of the onset evidence against the energy-over-time evidence (0…1).
        public var onsetWeight: Float = 0.5
        /// Where two players are left — the final grouping of two kept regions (`JointGrouping.regroupedPair`) and the
        /// harmonic model's matching of two sources — the share (0…1) of the non-onset evidence taken by the activity
        /// after the source's onsets (`activity`: each onset spread over the next `activitySeconds`) against the region's
        /// motion averaged over `activityMotionSeconds`, the motion up to `maximumLagSeconds` early and
        /// `activityLateSeconds` late, instead of the energy over time (`envelopeSeconds`). 0: the energy over time alone.
        ///
        /// Players show what they start, not how loud they are: a bow slides from a note's start until it turns or reaches
        /// its end, then rests while the note goes on, so a long note's level follows the other player's bow or a dancer as
        /// well as its own (held-out duet #58, contrabass + viola: the contrabass stem's level 0.01 on its own bow, 0.28 on
        /// the viola's). Read everywhere (session 21, `sepfind`) it won the duets and lost the trios and quartets, their best
        /// permutation too: with three or more regions it changed which components the grouping joins. Two players
        /// left, the motion has only to say which of two timbre groups is whose; the regions' competition and the
        /// grouping among three or more keep the level.
        ///
        /// Half, not all: the activity alone mended swapped duets (held-out #37, #58 contrabass + viola) but swapped
        /// others the level placed right (tuning #1, held-out #60 plain, #55 as footage) and regrouped tuning #0 worse
        /// (+21.6 → +6.3 dB); half of each kept the mends and lost #55 footage only, on the clips either moved
        /// (`Tools/eval/results/separation.md`, session 22, `sepplace`).
        public var pairActivityWeight: Float = 0.5
        public var activitySeconds: Double = 0.4
        public var activityMotionSeconds: Double = 0.2
        public var activityLateSeconds: Double = 0.24
        /// Without `refinesAssignment`: a region whose evidence is below this share of all regions' is silent.
        public var minimumEvidenceShare: Float = 0.1
        /// Weight λ of timbre coherence against whole-source motion evidence in the joint grouping
        /// (0: motion alone decides; large: timbre clusters, placed by motion).
        public var timbreWeight: Float = 2
        /// λ for the final grouping when two regions are left sounding (the competition between regions, and
        /// every grouping before it, use `timbreWeight`).
        ///
        /// The motion evidence hangs on the exact region box (a box a cell wider takes in some of a neighbour's
        /// glow, the light, the backdrop), and with λ = 2 the grouping followed those changes, moving notes and
        /// whole sources between two players (tuning duet #0: +10.8 dB as found, +3.5 with every box a cell
        /// larger, −3.6 a cell smaller). Two instruments split into two timbre clusters reliably, so with more
        /// weight on timbre the motion has little left to decide but which cluster is whose (that clip +11.7 /
        /// +11.2 / +11.3 dB; tuning duets +9.9 → +11.0 dB, spread median 2.3 → 0.3 dB; held-out duets +6.9 →
        /// +8.2 dB, though a duet of one family, contrabass + viola, was swapped whole). With three or four
        /// players, often two of one family, timbre clusters are less reliable (8 for every grouping lowered the
        /// tuning quartets), and the competition needs the motion to tell a still region from a player
        /// (`Tools/eval/results/separation.md`, branch `sepstable`).
        public var duetTimbreWeight: Float = 8
        /// Share of the spectral envelope in the joint grouping's timbre comparison (`groupingFeatures`: the cosine
        /// of two components is `1 − w` times their templates' plus `w` times their envelopes').
        ///
        /// A template holds one note's partials, so two notes of one instrument a fifth apart share few bins while
        /// two instruments playing the same note share them all: where the players' ranges overlap, the templates'
        /// timbre groups by pitch, not by instrument. The envelope (`envelopeFeatures`, the template in 24 smooth
        /// log-frequency bands) changes little from note to note of one instrument. With the players' regions
        /// found right, the sources were what fell short (issue #14; `Tools/eval/results/separation.md`, branch
        /// `sepqual`, which has the figures and the weights tried).
        public var envelopeWeight: Float = 0.25
        /// A region is dropped as silent (beyond the count asked for) only when the energy-weighted evidence
        /// rises by more than this without it: its sound is better explained by another region.
        public var dropMargin: Float = 0.0
        /// With an automatic count, a region whose own whole source follows its motion at least this well
        /// (`SourceEvidence` score, −1…1) is never dropped as silent, even when another region could absorb
        /// its sound: a player whose notes start and swell with their motion is playing. Above 1: off.
        public var keepEvidence: Float = 2
        /// A region whose motion repeats itself at least this strongly (normalised autocorrelation over
        /// 0.25–2 s) while the sound does not (`moverRhythm`) is a bystander keeping time — a conductor, a
        /// dancer, a screen — and takes no sound (`periodicMovers`). Above 1: off (with `moverLineShare`'s reading).
        public var moverPeriodicity: Float = 0.65
        /// … or whose motion's power between 0.6 and 8 Hz lies at least this much in its three strongest spectral lines
        /// (`lineShare`): a dancer or an audience repeating several gestures at once, which one lag's autocorrelation
        /// misses (session 20's development clips: dancers and audiences under the periodicity bar 0.79–0.90, never still;
        /// player regions up to 0.76, and every one above 0.70 still in 16–28 % of its half-seconds, so `moverStillness`
        /// keeps them; `Tools/eval/results/separation.md`, session 18 `sepmover` and session 20 `sepcount3`). Above 1: off.
        public var moverLineShare: Float = 0.75
        /// The sound's own onsets repeating at the motion's period at least this strongly (autocorrelation)
        /// mark a player keeping a beat (a drummer), not a bystander.
        public var moverRhythm: Float = 0.4
        /// A region still (below a fifth of its usual level) in at least this share of its half-seconds —
        /// a player between phrases — is never taken for a bystander.
        public var moverStillness: Float = 0.1
        /// A half-second counts as still (`moverStillness`) only when the region is quiet against the other regions too
        /// (`stillShare`): a light fading or going dark quiets every region at once, a dancer with the players, and is no
        /// pause. Off: the region's own level alone, as before session 29 (`Tools/eval/results/separation.md`, session 29,
        /// `sepcount11`).
        public var moverStillnessInPicture = true
        /// Compare each component with what distinguishes a region's motion from the other regions' (see
        /// `contrasted`), not with its raw motion. Made for regions that hold more than the player — the
        /// boxes a user gives, whole panels with their background, light and glow. Off: with the players'
        /// panels given it raised the tuning trios from +3.7 to +7.6 dB (median), but on its one held-out
        /// run it lowered the trios from +5.5 to +2.7 dB, and on found regions it lost on the tuning duets
        /// (+8.7 → +6.5 dB); see `Tools/eval/results/separation.md`, 2026-12-05, `sep9`.
        public var contrastsMotion = false
        /// With an automatic count, the most sources the mixture is factorised for.
        public var maximumSources: Int = 6
        /// Group components into whole sources by timbre and motion together, and let regions compete as
        /// whole sources (see `competing`); false keeps the per-component choice and competition.
        public var refinesAssignment = true
        /// What the mixture is factorised into: free NMF components grouped into players afterwards
        /// (`.components`), whole harmonic instruments (`.harmonicSources`, `HarmonicNMF`) matched one to one with
        /// the regions, or both with their masks averaged per region (`.ensemble`, the default).
        ///
        /// Each model alone loses whole players: harmonic sources won on the tuning split and lost the held-out
        /// trios (`sephar`: a source on the wrong region costs a whole player), and the components' grouping
        /// swings with a region a cell wider (`sepregion`). Averaging the two models' masks, each region's weighted
        /// by how sure each model is of it, keeps what both agree on and halves what only one got wrong. Tuning
        /// split (found regions, six clips per count, medians): components +8.7 / +2.6 / +6.5 dB for duets,
        /// trios and quartets, harmonic +9.1 / +6.2 / +2.4 dB, ensemble +9.9 / +5.8 / +6.6 dB; the held-out
        /// split is in `Tools/eval/results/separation.md`, branch `sepmatch`. It costs both factorisations (the
        /// harmonic one starts from the components' NMF and, with two threads, runs beside their grouping, whose
        /// thread then takes half of its products): 0.44 / 0.65 / 0.75 CPU s per 10 s duet, trio and quartet with the
        /// count given, and on two idle cores 34× / 24× / 21× realtime (tuning clips #0, process start included;
        /// 26× / 19× / 17× before that sharing); see `Tools/eval/results/separation.md`, the lead's idle-machine section.
        public var model: Model = .ensemble
        /// With harmonic sources and an automatic count: a region whose matched source follows its motion less
        /// than this (`SourceEvidence` score, −1…1; a still region scores 0) is silent.
        public var minimumSourceEvidence: Float = 0.1
        /// … or less than this share of the best-matched source's evidence (a mover keeping a beat too fast for
        /// `periodicMovers` scored 0.21 against the players' 0.85 and 0.96 in `SeparateNodeTests`).
        public var relativeSourceEvidence: Float = 0.3
        /// Harmonic sources with motion: weight of the agreement with the free components' grouping (the share
        /// of a source's energy the components' masks give a region, 0…1) added to its motion evidence when
        /// sources are matched to regions. 0: motion evidence alone, as before.
        public var agreementWeight: Float = 1
        /// Harmonic sources with motion: weight of the onset coincidence (`OnsetCoincidence`: a source's note onsets and
        /// a region's motion peaks, the motion late, each side counted against the other, chance taken out; −1…1) added
        /// to the motion evidence when sources are matched to regions. The correlations of `SourceEvidence` tie where a
        /// region moves all the time, and take a motion before the note as readily as after it; the coincidence does
        /// not. 0: off, as before session 18 (`Tools/eval/results/separation.md`, session 18, `sepplace3`).
        public var coincidenceWeight: Float = 0.5
        /// The coincidence window after a note onset: from this long before it…
        public var coincidenceEarliestSeconds: Double = 0.02
        /// … to this long after it (a player's hands and bow move with a lag; the glow follows the loudness later).
        public var coincidenceLatestSeconds: Double = 0.2
        /// With motion, the harmonic model (`.ensemble`, `.harmonicSources`) and two or more sounding regions: each unit
        /// of both models (a free component; a harmonic source's pitch, not its noise) cut into note-long stretches, and
        /// a stretch given to the region whose motion starts with it while its owner's region is still, unless that
        /// region's own note explains its start or the other model backs the owner (`NoteTiming`). Off: every unit
        /// whole to its region, as before session 27 (`Tools/eval/results/separation.md`, session 27, `septime`).
        public var timesNotes = true
        /// Where two players are left — the final grouping of two kept regions (`JointGrouping.regroupedPair`) and the
        /// harmonic model's matching of two sources, the evidence `pairActivityWeight` shapes — each piece of a player (the
        /// regions `MotionTrack.player` names as one player's: a bow's line broken at its ends, a hand over a bell) is read
        /// with the player's whole motion, its pieces' curves summed (`joinedPieces`), save a piece that leans a little to
        /// the other player's sound (`joiningPieces`, `pieceMargin`). Off: each piece with its own curve.
        ///
        /// A bow sliding along its own length moves only at its two ends, so its line is often found in two pieces, and
        /// which piece a duet keeps for the player is a near-tie that the camera's noise and the encoder decide; one end
        /// alone shows only part of the strokes (held-out #109 and #114, viola + contrabass as camera footage, kept the
        /// other end of the viola's bow than the clip itself did and gave each player the other's sound). Read everywhere
        /// (the competition and the groupings of three or four too) it mended those and lost trios (held-out #112 plain
        /// +7.70 → +1.32 dB): `Tools/eval/results/separation.md`, session 28, `sepswap2`.
        public var joinsPieces = true
        /// `joinsPieces`: a piece that follows another player's sound better than its own player's is joined all the same
        /// only when it does so by at least this much (`joiningPieces`; the evidence's scale, a correlation); by less it
        /// stands alone. The leaning pieces traced lean by 0.03 (b99 #100), 0.06 (b126 #128) and 0.07 (b135 #142 as
        /// footage), the bow end that mends held-out #114 as footage by 0.19 (`Tools/eval/results/separation.md`, session 29,
        /// `sepswap3`).
        public var pieceMargin: Float = 0.1
        /// `NoteTiming`: the rank (0…1) of a region's motion start after a stretch's first frame from which it takes
        /// the stretch…
        public var timingClear: Float = 0.9
        /// … while the owner's region and every other region rank at most this there.
        public var timingStill: Float = 0.5
        /// `NoteTiming`: the owners' mean rank at their own stretches (energy-weighted) from which the clip's timing is
        /// read at all (0.5 is chance).
        public var timingAgreement: Float = 0.6
        /// `NoteTiming`: a stretch stays with its owner when the other model gives the owner more than this share of its
        /// energy (the two models agree: the profile is not in doubt there).
        public var timingBacked: Float = 0.8
        /// `NoteTiming`: the most sounding regions (players) among which stretches are given by timing; with more, each unit
        /// stays whole with its region. The more regions, the likelier one of them starts by chance just after a note
        /// whose owner's region is still: through the pipeline quartets lost (medians down in 4 of 6 quartet cells of
        /// tuning, check and 72–80) where duets and trios gained (session 27, `septime`).
        public var timingMostRegions: Int = 3
        /// `NoteTiming`: a stretch is where a unit's activation is above this share of its peak.
        public var timingFloor: Float = 0.1
        /// `NoteTiming`: stretches shorter than this are left with their owner (seconds).
        public var timingShortestSeconds: Double = 0.1
        /// Harmonic sources with motion: the margin (`matchMargins`) from which a match is trusted whole; a match
        /// held by less has its confidence scaled down in proportion (`matchConfidence`), so in the ensemble a
        /// near-tie's region takes its mask mostly from the components. Every match is kept: refusing those below
        /// 0.1 (their bins shared out as the components' grouping shares them, sessions 13–16) lost where that
        /// grouping had swapped two players (tuning quartets +6.60 → +6.84 dB median with the count given, +6.20 →
        /// +7.24 with `auto`; check quartets +5.52 → +5.84, one more player with sound), though single clips lose up
        /// to 2 dB, 5 with `auto`; see `Tools/eval/results/separation.md`, session 17, `sepmargin`.
        public var confidentMatchMargin: Float = 0.1
        /// With `model == .ensemble`: the harmonic model's weight in each region's averaged mask (0…1).
        public var harmonicShare: Float = 0.5
        /// With `model == .ensemble`: weigh each region's two masks by the two models' confidence in it (the
        /// harmonic share becomes `harmonicShare`-weighted c_h / (c_h + c_c)) instead of one share for all regions.
        /// A harmonic match with a small margin has little confidence, so a region the harmonic model is unsure of
        /// takes its sound mostly from the components. On the tuning split it beat the plain mean (duets +8.7 →
        /// +9.9, trios +5.4 → +5.8, quartets +6.3 → +6.6 dB).
        public var confidenceWeighting = true
        /// With `model == .ensemble` and exactly two sounding regions: the harmonic model's weight in both regions'
        /// masks is c_h / (c_h + c_c), where c is each model's `timbreContrast` (how distinct its two regions' spectral
        /// shapes are, against how much each changes over time) to this power, instead of the confidences' share;
        /// 0: off (the confidences, as for three or more regions).
        ///
        /// The confidences say how sure a model is of *where* its sources go, not how good they are, so on a duet the
        /// ensemble averaged a model that followed each instrument with one that made two patchworks (the better
        /// model per clip gave held-out duets 36–44 +8.50 dB with the panels given, the ensemble +5.47: session 20,
        /// `sepduet2`). The contrast reads each region's band shape with its loudness taken out, so it does not lean
        /// on the players being equally loud, as `sepduet2`'s balance did (it lost with the players' levels spread).
        /// Duets, found regions, session 21 (`sepduet3`), median: tuning 0–11 +8.39 → +9.28 dB, held-out 36–44 +1.35 →
        /// +2.28, 45–53 +5.73 → +6.28; with the players' levels spread over 12 dB, tuning mean +7.89 → +9.66, held-out
        /// 36–53 median +3.80 → +3.34 (mean +2.67 → +2.78): it cannot see a clean model whose sources sit on the wrong players.
        /// Summed over each clip's change on all 57 development duets +37.6 dB plain and +22.1 dB as footage, the losses on
        /// held-out 54–62 and 0–8 as footage (session 21, lead).
        public var timbreContrastExponent: Float = 2
        /// With `model == .ensemble` and a duet (two sources, two heard regions): below this agreement of the two models'
        /// masks (`maskAgreement`) the components are factorised again with `flatRedoComponentsPerSource` per source
        /// (`flatDuetRedo`). 0: off.
        ///
        /// Set on the development duets of session 27 (tuning 0–20, held-out 72–107): below 0.6 the redo fires on about
        /// one duet in eight and costs +5 % of the duets' CPU; at 0.7 it also takes held-out #99, where the harmonic
        /// sources themselves are swapped and agreeing with them lost 0.7 dB, and at 0.8 the duets' CPU rises 13 %
        /// (`Tools/eval/results/separation.md`, session 27, `sepflat`).
        public var flatAgreement: Float = 0.6
        /// The redo is kept when it agrees with the harmonic sources by this much more than the first factorisation.
        public var flatRedoMargin: Float = 0.03
        /// Components per source of the redo.
        public var flatRedoComponentsPerSource: Int = 12
        /// The harmonic model's settings (with `model == .harmonicSources`); its seed is `seed`.
        public var harmonic = HarmonicNMF.Configuration()

        public init() {}

        func fftSize(forSampleRate rate: Int) -> Int {
            if let fftSize { return fftSize }
            var n = 256
            while Double(n) < 0.046 * Double(rate) { n *= 2 }
            return n
        }
    }

    public var configuration: Configuration

    public init(_ configuration: Configuration = .init()) { self.configuration = configuration }

    /// Separates `channels` (equal lengths) into one source per motion track, some flagged silent.
    /// - Parameters:
    ///   - motion: one track per candidate region; empty means audio only.
    ///   - sources: how many sounding sources; nil = as many as the motion explains (2 when there is
    ///     no motion). With more tracks than sources, the tracks whose motion explains the sound best
    ///     are kept and the others come back silent.
    ///   - masksReady: called once the masks are final, before the sources are inverted, with the result
    ///     whose `channels` are still empty: a picture of the masks can be drawn and written while the
    ///     inversion runs, instead of after it (the inversion then keeps to one thread, leaving the other
    ///     to what `masksReady` started).
    /// - Throws: `DSPError` for empty or ragged audio, or a bad configuration; what `masksReady` throws.
    public func separate(_ channels: [[Float]], sampleRate: Int, motion: [MotionTrack], sources: Int? = nil,
                         masksReady: ((SeparationResult) throws -> Void)? = nil) throws -> SeparationResult {
        guard let length = channels.first?.count, length > 0, channels.allSatisfy({ $0.count == length }) else {
            throw DSPError(.shapeMismatch, "need one or more channels of equal, non-zero length")
        }
        guard sampleRate > 0 else { throw DSPError(.invalidConfiguration, "sample rate \(sampleRate)") }
        let tracks = motion.filter { !$0.times.isEmpty }
        let audioOnly = tracks.isEmpty
        let count = max(1, sources ?? (audioOnly ? 2 : min(tracks.count, configuration.maximumSources)))
        var note = ""
        if !audioOnly && tracks.count < count {
            note = "asked for \(count) sources but only \(tracks.count) moving regions were given; separating \(tracks.count)"
        }
        let sourceCount = audioOnly ? count : min(count, tracks.count)
        if audioOnly {
            note = "no video motion: audio-only fallback, components grouped by spectral shape; sources are unordered and have no region"
        }

        // Analysis.
        let n = configuration.fftSize(forSampleRate: sampleRate)
        let hop = max(1, n / configuration.hopFraction)
        // Planned by estimate, not by measurement: a measured plan is chosen by timing, so its last bits
        // vary from run to run, and the same recording must separate into the same samples every time.
        let stftConfiguration = STFTConfiguration(fftSize: n, hop: hop, output: .complex, planning: .estimate)
        let stft = try STFT(stftConfiguration)
        let spectra = channels.map { stft($0) }
        let frames = stft.frameCount(forLength: length), bins = n / 2 + 1
        var mean = spectra[0]
        if spectra.count > 1 {
            let scale = 1 / Float(channels.count)
            mean.withUnsafeMutableBufferPointer { m in
                for s in spectra.dropFirst() { s.withUnsafeBufferPointer { p in for i in 0..<m.count { m[i] += p[i] } } }
                for i in 0..<m.count { m[i] *= scale }
            }
        }
        let magnitude = [Float](unsafeUninitializedCapacity: frames * bins) { out, initialized in
            mean.withUnsafeBufferPointer { m in
                for i in 0..<(frames * bins) { out[i] = (m[2 * i] * m[2 * i] + m[2 * i + 1] * m[2 * i + 1]).squareRoot() }
            }
            initialized = frames * bins
        }
        mean = []
        let frameSeconds = Double(hop) / Double(sampleRate)
        if configuration.model == .harmonicSources && audioOnly {
            let attribution = try harmonicAttribution(magnitude, frames: frames, bins: bins, sampleRate: sampleRate, fftSize: n,
                                                      frameSeconds: frameSeconds, tracks: tracks, count: sourceCount, asked: sources)
            note = "no video motion: audio-only fallback, harmonic sources; sources are unordered and have no region"
            return try resynthesize(spectra, channels: channels, length: length, factors: attribution.factors, groups: attribution.groups,
                                    confidences: attribution.confidence, sounding: attribution.sounding, labels: attribution.labels,
                                    audioOnly: audioOnly, note: note, stft: stftConfiguration, frames: frames, bins: bins,
                                    sampleRate: sampleRate, fftSize: n, hop: hop, masksReady: masksReady)
        }
        let nmf = NMF(components: configuration.componentsPerSource * sourceCount, divergence: configuration.divergence,
                      iterations: configuration.iterations, seed: configuration.seed)
        var input = magnitude
        if configuration.divergence == .itakuraSaito { input = magnitude.map { $0 * $0 } }
        let factors = try nmf.factorize(input, frames: frames, bins: bins)
        input = []

        // Attribution.
        var groups: [[Int]]
        var confidences: [Float]
        let labels: [String]
        var sounding: [Bool]
        var harmonicFactors: HarmonicModels?
        var componentMasks: [[Float]] = []
        // The grouping and the regions' motion, kept for the components' note timing (`timedComponentMasks`).
        var grouped: (attribution: Attribution, motion: [[Float]])?
        var bystanders: Set<Int> = []
        /// The components' grouping of another factorisation (the flat-duet redo, `flatDuetRedo`).
        var regroup: ((NMF.Factors) -> Attribution)?
        if audioOnly {
            (groups, confidences) = Self.groupBySpectralShape(factors, into: sourceCount)
            labels = (0..<sourceCount).map { "source\($0)" }
            sounding = groups.map { _ in true }
        } else {
            let curves = tracks.map { $0.resampled(count: frames, step: frameSeconds) }
            let players = Self.playerIndices(tracks)
            let regroupOther = { (other: NMF.Factors) in
                self.attribute(other, motion: curves, frameSeconds: frameSeconds, sources: sources.map { min($0, tracks.count) },
                               players: players)
            }
            regroup = regroupOther
            let group = { regroupOther(factors) }
            let attribution: Attribution
            if configuration.model != .components {
                // The harmonic factorisation needs nothing from the grouping: with two threads it runs beside it, and
                // each side goes on with what the matching needs from it (the grouping's Wiener masks; the harmonic
                // sources' models and shares), so the shorter side's thread is not left idle.
                // The side done first lends its thread: the grouping, when it ends first, takes half of each of the
                // harmonic factorisation's products (the same products either way).
                let spare = (ComputeContext.current?.threads ?? 1) >= 2 ? SpareThread() : nil
                let factorisation = { [magnitude] in
                    defer { spare?.close() }
                    let factors = try self.harmonicFactorisation(magnitude, frames: frames, bins: bins, sampleRate: sampleRate, fftSize: n,
                                                                 frameSeconds: frameSeconds, tracks: tracks, asked: sources, componentFactors: factors,
                                                                 spare: spare)
                    return HarmonicModels(factors, maskExponent: self.configuration.maskExponent, spare: spare)
                }
                let grouping = { () -> (Attribution, [[Float]]) in
                    let attribution = group()
                    let masks = self.componentMasks(factors, attribution: attribution, cells: frames * bins)
                    spare?.serve()
                    return (attribution, masks)
                }
                ((attribution, componentMasks), harmonicFactors) = try Self.side(by: grouping, factorisation)
            } else {
                attribution = group()
            }
            (groups, confidences, sounding) = (attribution.groups, attribution.confidence, attribution.sounding)
            bystanders = attribution.bystanders
            grouped = (attribution, curves)
            labels = tracks.map(\.label)
        }
        guard configuration.model != .components, !audioOnly else {
            return try resynthesize(spectra, channels: channels, length: length, factors: factors, groups: groups, confidences: confidences,
                                    sounding: sounding, labels: labels, audioOnly: audioOnly, note: note, stft: stftConfiguration,
                                    frames: frames, bins: bins, sampleRate: sampleRate, fftSize: n, hop: hop, masksReady: masksReady)
        }
        // Harmonic sources, matched with the components' grouping as a second opinion; alone or averaged with it.
        let harmonic = try harmonicAttribution(magnitude, frames: frames, bins: bins, sampleRate: sampleRate, fftSize: n,
                                               frameSeconds: frameSeconds, tracks: tracks, count: sourceCount, asked: sources,
                                               componentMasks: componentMasks, componentFactors: factors, factorized: harmonicFactors)
        if !harmonic.note.isEmpty { note = note.isEmpty ? harmonic.note : note + "; " + harmonic.note }
        let masks: [[Float]]
        if configuration.model == .harmonicSources {
            masks = Self.blended(harmonic.masks, harmonic.masks, weights: harmonic.masks.map { _ in 1 })
            (groups, confidences, sounding) = (harmonic.groups, harmonic.confidence, harmonic.sounding)
        } else {
            let share = min(1, max(0, configuration.harmonicShare))
            // The components the blend reads: the first factorisation's, or a duet's redo (`flatDuetRedo`) when the two
            // models share the mixture out differently.
            var blendedFactors = factors
            if let regroup, let redo = try flatDuetRedo(magnitude, frames: frames, bins: bins, sourceCount: sourceCount,
                                                       harmonicMasks: harmonic.masks, harmonicSounding: harmonic.sounding,
                                                       componentMasks: componentMasks, sounding: sounding, regroup: regroup) {
                componentMasks = redo.masks
                (groups, confidences, sounding) = (redo.attribution.groups, redo.attribution.confidence, redo.attribution.sounding)
                bystanders = redo.attribution.bystanders
                blendedFactors = redo.factors
                grouped?.attribution = redo.attribution
            }
            // Their note stretches given by timing where the harmonic model does not back their owner.
            let blendedMasks = grouped.flatMap {
                timedComponentMasks(blendedFactors, attribution: $0.attribution, motion: $0.motion, frameSeconds: frameSeconds,
                                    support: harmonic.masks)
            } ?? componentMasks
            let heard = harmonic.masks.indices.filter { sounding[$0] || harmonic.sounding[$0] }
            let k = configuration.timbreContrastExponent
            var contrastShare: Float?
            if k > 0, heard.count == 2 {
                let bands = Self.timbreBands(sampleRate: sampleRate, fftSize: n, bins: bins)
                let quality = { (masks: [[Float]]) in
                    pow(Self.timbreContrast(masks, magnitude: magnitude, frames: frames, bins: bins, regions: heard, bands: bands), k)
                }
                let (h, c) = (quality(harmonic.masks), quality(blendedMasks))
                if h + c > 0 { contrastShare = h / (h + c) }
            }
            let weights = harmonic.masks.indices.map { r -> Float in
                if let contrastShare, heard.contains(r) { return contrastShare }
                guard configuration.confidenceWeighting else { return share }
                let h = share * max(0, harmonic.confidence[r]), c = (1 - share) * max(0, confidences[r])
                return h + c > 0 ? h / (h + c) : share
            }
            masks = Self.blended(harmonic.masks, blendedMasks, weights: weights)
            confidences = confidences.indices.map { share * harmonic.confidence[$0] + (1 - share) * confidences[$0] }
            sounding = sounding.indices.map { sounding[$0] || harmonic.sounding[$0] }
        }
        // A bystander keeping time makes no sound, even when more sources are asked for than there are other regions
        // and the harmonic model matched one to it (a player the finder missed, whose notes no found region's motion
        // explains): its output is silent and that sound is left out, not put on a player it would bury.
        let silenced = Self.bystanders(bystanders, harmonic: harmonic.bystanders).filter { sounding[$0] }.sorted()
        for r in silenced { (sounding[r], confidences[r]) = (false, 0) }
        if !silenced.isEmpty {
            let left = "the sound that went to " + silenced.map { labels[$0] }.joined(separator: ", ")
                + " (moving in time, not playing) was left out"
            note = note.isEmpty ? left : note + "; " + left
        }
        return try resynthesize(spectra, channels: channels, length: length, masks: masks, groups: groups, confidences: confidences,
                                sounding: sounding, labels: labels, audioOnly: false, note: note, stft: stftConfiguration,
                                sampleRate: sampleRate, frames: frames, bins: bins, fftSize: n, hop: hop, masksReady: masksReady)
    }

    /// The regions either model takes for bystanders keeping time: the components' (`Attribution.bystanders`) or the
    /// harmonic sources' (`HarmonicAttribution.bystanders`).
    ///
    /// The harmonic sources' test counts too: the components' takes any one of its many components repeating at the
    /// motion's period for a drummer's beat, and one does by chance (tuning duet #7's scrolling screen: 0.43 against
    /// `moverRhythm` 0.4, counted as a third player by `--sources auto`); a harmonic source is a whole instrument, whose
    /// repetition is a player's.
    static func bystanders(_ components: Set<Int>, harmonic: [Bool]) -> Set<Int> {
        components.union(harmonic.indices.filter { harmonic[$0] })
    }

    /// `body(0)`, …, `body(count − 1)` in order of index, run side by side when the graph has two or more threads
    /// (`ComputeContext`), else one after the other; the first error thrown, by index.
    static func concurrently<T>(_ count: Int, _ body: (Int) throws -> T) throws -> [T] {
        guard count > 1, (ComputeContext.current?.threads ?? 1) >= 2 else { return try (0..<count).map(body) }
        var results = [Result<T, Error>?](repeating: nil, count: count)
        results.withUnsafeMutableBufferPointer { slots in
            nonisolated(unsafe) let slots = slots
            withoutActuallyEscaping(body) { body in
                nonisolated(unsafe) let body = body
                // Each index writes its own slot only.
                DispatchQueue.concurrentPerform(iterations: count) { i in slots[i] = Result { try body(i) } }
            }
        }
        return try results.map { try $0!.get() }
    }

    /// The free components' Wiener masks per region (a silent region's model is zero): the grouping's opinion the
    /// harmonic sources are matched with.
    func componentMasks(_ factors: NMF.Factors, attribution: Attribution, cells: Int) -> [[Float]] {
        let groups = attribution.groups, sounding = attribution.sounding
        return Self.wienerMasks(groups.indices.map { sounding[$0] ? factors.reconstruction(of: groups[$0]) : [Float](repeating: 0, count: cells) },
                                exponent: configuration.maskExponent)
    }

    /// `componentMasks` with each free component's note stretches given by timing (`NoteTiming`) among the sounding
    /// regions that are not bystanders, where `support` (the other model's masks per region) does not back the owner;
    /// nil when `timesNotes` is off or no stretch moves.
    func timedComponentMasks(_ factors: NMF.Factors, attribution: Attribution, motion: [[Float]], frameSeconds: Double,
                             support: [[Float]]) -> [[Float]]? {
        guard configuration.timesNotes else { return nil }
        let groups = attribution.groups, regions = groups.count
        let open = (0..<regions).map { attribution.sounding[$0] && !attribution.bystanders.contains($0) }
        var owners = [Int?](repeating: nil, count: factors.components)
        for r in 0..<regions where open[r] { for c in groups[r] { owners[c] = r } }
        let timing = NoteTiming(configuration, motion: motion, frames: factors.frames, frameSeconds: frameSeconds, open: open)
        let moves = timing.moves((0..<factors.components).map { factors.activation($0) }, owners: owners) { u, stretch, r in
            Self.support(factors, unit: u, frames: stretch, mask: support[r])
        }
        guard moves.contains(where: { !$0.isEmpty }) else { return nil }
        let (timed, added) = Self.timed(factors, moves: moves, regions: regions)
        var moved = attribution
        for r in 0..<regions { moved.groups[r] += added[r] }
        return componentMasks(timed, attribution: moved, cells: factors.frames * factors.bins)
    }

    /// `first()` on this thread and `second()` on another when the graph has two threads (`ComputeContext`),
    /// else one after the other; both results, or `second`'s error.
    static func side<A, B>(by first: () -> A, _ second: @escaping () throws -> B) throws -> (A, B) {
        let context = ComputeContext.current
        guard (context?.threads ?? 1) >= 2 else { return (first(), try second()) }
        let outcome = SideOutcome<B>(), done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) let second = second
        let thread = Thread {
            let run = { outcome.value = Result { try second() } }
            if let context { context.run(run) } else { run() }
            done.signal()
        }
        thread.start()
        let a = first()
        done.wait()
        return (a, try outcome.value!.get())
    }

    /// Wiener-style masks from each group's part of the model, applied to every channel and inverted.
    func resynthesize(_ spectra: [[Float]], channels: [[Float]], length: Int, factors: NMF.Factors, groups: [[Int]],
                      confidences: [Float], sounding: [Bool], labels: [String], audioOnly: Bool, note: String,
                      stft stftConfiguration: STFTConfiguration, frames: Int, bins: Int, sampleRate: Int, fftSize n: Int,
                      hop: Int, masksReady: ((SeparationResult) throws -> Void)?) throws -> SeparationResult {
        var sounding = sounding
        // A group with no component (a region that took nothing) is silent too.
        for s in groups.indices where groups[s].isEmpty { sounding[s] = false }

        let masks = Self.wienerMasks(groups.map { factors.reconstruction(of: $0) }, exponent: configuration.maskExponent)
        return try resynthesize(spectra, channels: channels, length: length, masks: masks, groups: groups, confidences: confidences,
                                sounding: sounding, labels: labels, audioOnly: audioOnly, note: note, stft: stftConfiguration,
                                sampleRate: sampleRate, frames: frames, bins: bins, fftSize: n, hop: hop, masksReady: masksReady)
    }

    /// Each output's mask applied to every channel and inverted with the mixture's phase; a silent output is silence.
    /// `masksReady` sees the result before the inversion, its `channels` empty.
    func resynthesize(_ spectra: [[Float]], channels: [[Float]], length: Int, masks: [[Float]], groups: [[Int]],
                      confidences: [Float], sounding: [Bool], labels: [String], audioOnly: Bool, note: String,
                      stft stftConfiguration: STFTConfiguration, sampleRate: Int, frames: Int, bins: Int, fftSize n: Int,
                      hop: Int, masksReady: ((SeparationResult) throws -> Void)?) throws -> SeparationResult {
        let cells = frames * bins
        // A region that makes no sound gets silence, not the mixture, and no mask.
        let sources = groups.indices.map { s in
            sounding[s] ? SeparationResult.Source(label: labels[s], channels: [], confidence: confidences[s], components: groups[s], mask: masks[s])
                : SeparationResult.Source(label: labels[s], channels: [], confidence: confidences[s], components: [],
                                          mask: [Float](repeating: 0, count: cells), silent: true)
        }
        var result = SeparationResult(mode: audioOnly ? .audioOnly : .motion, note: note, sources: sources, sampleRate: sampleRate,
                                      fftSize: n, hop: hop, frames: frames, bins: bins)
        try masksReady?(result)
        let inverse = try InverseSTFT(stftConfiguration)
        let gain = SpectralMask(.ratio())
        // Every sounding source's channels, each inverted on its own (on the graph's threads when it has two or more:
        // the last stage of a separation has nothing else to run beside it).
        let jobs = (0..<groups.count).filter { sounding[$0] }.flatMap { s in spectra.indices.map { (source: s, channel: $0) } }
        let invert = { (j: Int) in try inverse(gain.apply(masks[jobs[j].source], to: spectra[jobs[j].channel]), length: length) }
        // What `masksReady` started (a picture's encoder) has the other thread: the inversion then keeps to this one.
        let inverted = masksReady == nil ? try Self.concurrently(jobs.count, invert) : try jobs.indices.map(invert)
        var next = 0
        for s in result.sources.indices {
            guard sounding[s] else {
                result.sources[s].channels = channels.map { _ in [Float](repeating: 0, count: length) }
                continue
            }
            result.sources[s].channels = Array(inverted[next..<(next + spectra.count)])
            next += spectra.count
        }
        return result
    }
}

/// The result `MotionInformedNMF.side(by:_:)`'s other thread leaves; read only after its semaphore is signalled.
private final class SideOutcome<Value>: @unchecked Sendable {
    var value: Result<Value, Error>?
}
