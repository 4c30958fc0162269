import Testing
@testable import TandemMedia
