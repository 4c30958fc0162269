extension VisionError.Code {
    /// A cascade file cannot be read (missing: install Debian's `opencv-data`; unreadable).
    public static let cascadeUnreadable = VisionError.Code(name: "cascade unreadable")
    /// A cascade file is not a new-style BOOST/HAAR cascade, or its numbers are inconsistent.
    public static let cascadeMalformed = VisionError.Code(name: "cascade malformed")
}
