#if canImport(Glibc)
import Foundation
import Glibc

/// A minimal WebSocket client (RFC 6455) over a blocking TCP socket to 127.0.0.1: just what the
/// DevTools protocol needs (text messages, fragmented or not; pings answered). Tests only.
final class WebSocket {
    struct Failure: Error, CustomStringConvertible { var description: String }

    private let descriptor: Int32
    private var buffer: [UInt8] = []

    /// Connects to `127.0.0.1:port` and upgrades `path` to a WebSocket.
    init(port: Int, path: String) throws {
        descriptor = try Self.connect(port: port)
        let request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGFuZGVtLXJlcG9ydC10ZXN0\r\nSec-WebSocket-Version: 13\r\n\r\n"
        try sendAll(Array(request.utf8))
        let head = try readHead(timeout: 10)
        guard head.hasPrefix("HTTP/1.1 101") else { throw Failure(description: "WebSocket upgrade refused: \(head)") }
    }

    deinit { close(descriptor) }

    /// One HTTP GET to `127.0.0.1:port` (the DevTools JSON endpoints), returning the body. The
    /// browser keeps the connection open, so the body ends at its `Content-Length`.
    static func get(port: Int, path: String, timeout: Double = 10) throws -> Data {
        let socket = try connect(port: port)
        defer { close(socket) }
        let request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n"
        _ = request.withCString { Glibc.send(socket, $0, strlen($0), 0) }
        let deadline = Date().addingTimeInterval(timeout)
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while Date() < deadline {
            if let end = headerEnd(response) {
                let head = String(decoding: response[..<end], as: UTF8.self).lowercased()
                let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) }
                if let length, response.count >= end + 4 + length { return Data(response[(end + 4)..<(end + 4 + length)]) }
            }
            var entry = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            guard poll(&entry, 1, 100) >= 0 else { break }
            if entry.revents == 0 { continue }
            let count = recv(socket, &chunk, chunk.count, 0)
            if count <= 0 { break }
            response += chunk[0..<count]
        }
        guard let end = headerEnd(response) else { throw Failure(description: "no HTTP response from 127.0.0.1:\(port)\(path)") }
        return Data(response[(end + 4)...])
    }

    /// Where `\r\n\r\n` starts, if it is there.
    private static func headerEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        return (0...(bytes.count - 4)).first { bytes[$0] == 13 && bytes[$0 + 1] == 10 && bytes[$0 + 2] == 13 && bytes[$0 + 3] == 10 }
    }

    private static func connect(port: Int) throws -> Int32 {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            close(socket)
            throw Failure(description: "connect to 127.0.0.1:\(port): \(String(cString: strerror(errno)))")
        }
        return socket
    }

    /// Sends one text message (client frames are masked, as the protocol requires).
    func send(_ text: String) throws {
        let payload = Array(text.utf8)
        var frame: [UInt8] = [0x81]
        if payload.count < 126 {
            frame.append(0x80 | UInt8(payload.count))
        } else if payload.count < 65536 {
            frame.append(0x80 | 126)
            frame += [UInt8(payload.count >> 8), UInt8(payload.count & 0xff)]
        } else {
            frame.append(0x80 | 127)
            frame += (0..<8).reversed().map { UInt8((UInt64(payload.count) >> (UInt64($0) * 8)) & 0xff) }
        }
        let mask: [UInt8] = (0..<4).map { _ in UInt8.random(in: 0...255) }
        frame += mask
        frame += payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
        try sendAll(frame)
    }

    /// The next text message, or nil when none arrives within `timeout` seconds.
    func receive(timeout: Double) throws -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        var message: [UInt8] = []
        while true {
            guard let header = try take(2, deadline: deadline) else { return nil }
            // A frame that has begun is read to its end (a split frame would desynchronise the stream).
            let frameDeadline = Date().addingTimeInterval(30)
            let opcode = header[0] & 0x0f, final = header[0] & 0x80 != 0
            var length = Int(header[1] & 0x7f)
            if length == 126 {
                guard let extended = try take(2, deadline: frameDeadline) else { return nil }
                length = Int(extended[0]) << 8 | Int(extended[1])
            } else if length == 127 {
                guard let extended = try take(8, deadline: frameDeadline) else { return nil }
                length = extended.reduce(0) { $0 << 8 | Int($1) }
            }
            let mask = header[1] & 0x80 != 0 ? try take(4, deadline: frameDeadline) : nil
            guard var payload = try take(length, deadline: frameDeadline) else { return nil }
            if let mask { payload = payload.enumerated().map { $0.element ^ mask[$0.offset % 4] } }
            switch opcode {
            case 0x8: throw Failure(description: "the browser closed the DevTools connection")
            case 0x9: try sendAll([0x8a, 0x80, 0, 0, 0, 0])  // pong, empty and masked
            case 0xa: break
            default:
                message += payload
                if final { return String(decoding: message, as: UTF8.self) }
            }
        }
    }

    private func sendAll(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { throw Failure(description: "send: \(String(cString: strerror(errno)))") }
            sent += count
        }
    }

    /// Reads until `\r\n\r\n`; what follows stays in the buffer for the first frames.
    private func readHead(timeout: Double) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let end = Self.headerEnd(buffer) {
                let head = String(decoding: buffer[..<end], as: UTF8.self)
                buffer.removeFirst(end + 4)
                return head
            }
            guard try fill(deadline: deadline) else { throw Failure(description: "no WebSocket handshake answer") }
        }
    }

    /// `count` bytes, or nil at the deadline.
    private func take(_ count: Int, deadline: Date) throws -> [UInt8]? {
        while buffer.count < count {
            guard try fill(deadline: deadline) else { return nil }
        }
        let bytes = Array(buffer[..<count])
        buffer.removeFirst(count)
        return bytes
    }

    /// Reads what is available; false when nothing came before `deadline`.
    private func fill(deadline: Date) throws -> Bool {
        let milliseconds = Int32(max(0, deadline.timeIntervalSinceNow * 1000))
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&entry, 1, milliseconds) > 0 else { return false }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        let count = recv(descriptor, &chunk, chunk.count, 0)
        guard count > 0 else { throw Failure(description: "the DevTools connection closed") }
        buffer += chunk[0..<count]
        return true
    }
}
#endif
