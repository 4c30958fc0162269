import Testing
@testable import TandemDSP
