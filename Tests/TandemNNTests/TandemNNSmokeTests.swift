import Testing
@testable import TandemNN
