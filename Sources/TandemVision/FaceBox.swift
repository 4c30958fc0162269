import TandemCore

/// An axis-aligned box around a face (or a mouth) in frame pixels: TandemCore's `PictureRegion.Box`,
/// the one box type, so a face's box travels between nodes in a typed `PictureRegion` as it is.
public typealias FaceBox = PictureRegion.Box
