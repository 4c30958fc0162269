import Testing
@testable import TandemNodes
