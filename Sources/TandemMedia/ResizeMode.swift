/// How `FrameReader` sizes frames, in display orientation (after rotation is applied).
public enum ResizeMode: Sendable, Hashable, Codable {
    /// Keep the decoded size.
    case none
    /// Stretch to exactly `width`×`height` (aspect ratio not kept).
    case exact(width: Int, height: Int)
    /// Scale so the shorter side is `side`, keeping the aspect ratio.
    case shorterSide(Int)
    /// Scale down so the shorter side is at most `side`, keeping the aspect ratio; smaller pictures
    /// keep their size (analysis that needs no more pixels than `side`, and gains nothing from more).
    case shorterSideAtMost(Int)
    /// Scale so the shorter side is `side`, then cut the centered `width`×`height`
    /// (the usual model preprocessing: resize 256 or 224, center crop 224).
    case shorterSideCenterCrop(side: Int, width: Int, height: Int)
    /// Scale to fit inside `width`×`height` keeping the aspect ratio, centered on black bars.
    case letterbox(width: Int, height: Int)
}
