@_exported import TandemCore
