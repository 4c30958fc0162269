import Testing
@testable import TandemModels
