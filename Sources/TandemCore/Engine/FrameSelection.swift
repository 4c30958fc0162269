/// A choice of video frames made from their order and times alone, never from their pixels.
///
/// Because it needs no pixels, the node that decodes the frames can make the choice itself, before
/// it scales and converts them: a graph whose `sample-frames` node keeps 60 of a file's 1800 frames
/// then converts 60 frames, not 1800. `GraphExecution` moves such choices upstream when it prepares
/// a graph (`Graph.moveFrameSelectionsUpstream`); the frames that come out are the same either way.
public enum FrameSelection: Sendable, Hashable {
    /// At each instant first + k/rate, the frame on screen then (TandemMedia's `FpsSchedule`).
    case fps(Double)
    /// Frames 0, n, 2n, … of the stream, in arrival order.
    case every(Int)
    /// The first n frames.
    case first(Int)
}

/// A node whose only output is a `FrameSelection` of the video on its only input, frames otherwise unchanged.
public protocol FrameSelectingNode: Node {
    /// The choice the node makes.
    var frameSelection: FrameSelection { get }
    /// The producer of the node's input makes the choice from now on: pass every frame through.
    mutating func selectionMovedUpstream()
}

/// A node that can apply a `FrameSelection` to one of its video outputs before it converts the frames.
public protocol FrameSelectionTaking: Node {
    /// Applies `selection` to the output named `port` for the whole run, when it can do so exactly (the same
    /// frames, with the same indices and times, as the selecting node would pass); returns false to
    /// leave the choice where it is. Called before `start`.
    mutating func takeFrameSelection(_ selection: FrameSelection, onOutput port: String) -> Bool
}
