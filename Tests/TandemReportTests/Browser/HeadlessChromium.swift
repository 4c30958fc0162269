#if canImport(Glibc)
import Foundation
import Glibc

/// Debian's `chromium`, headless, driven through the DevTools protocol: load a page, run
/// JavaScript in it, and collect what a person would see in the console and the network panel.
///
/// Started as CI runs it as root: `--no-sandbox`, `--headless=new`, a fresh `--user-data-dir`,
/// no GPU, muted audio, `--remote-debugging-port=0` (the port is read from `DevToolsActivePort`).
final class HeadlessChromium {
    struct Failure: Error, CustomStringConvertible { var description: String }

    /// What the page reported while it was open.
    struct Console {
        /// Console errors, uncaught exceptions and failed resource loads, as text.
        var errors: [String] = []
        /// Every URL the page requested.
        var requests: [String] = []
    }

    /// The browser's path, nil when it is not installed.
    static var executable: String? {
        for name in ["chromium", "chromium-browser"] {
            for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
                let path = "\(folder)/\(name)"
                if FileManager.default.isExecutableFile(atPath: path) { return path }
            }
        }
        return nil
    }

    private let process = Process()
    private let profile: URL
    private let socket: WebSocket
    private var nextID = 0
    private(set) var console = Console()

    init(windowWidth: Int = 1280, windowHeight: Int = 1400) throws {
        guard let executable = Self.executable else { throw Failure(description: "chromium is not installed") }
        profile = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-chromium-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: profile, withIntermediateDirectories: true)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                             "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
                             "--disable-component-update", "--mute-audio", "--autoplay-policy=no-user-gesture-required",
                             "--user-data-dir=\(profile.path)", "--remote-debugging-port=0", "--remote-allow-origins=*",
                             "--window-size=\(windowWidth),\(windowHeight)", "about:blank"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The browser writes its port (first line) into the profile once it listens.
        let portFile = profile.appendingPathComponent("DevToolsActivePort")
        var port: Int?
        let deadline = Date().addingTimeInterval(60)
        while port == nil, Date() < deadline, process.isRunning {
            if let text = try? String(contentsOf: portFile, encoding: .utf8), let line = text.split(separator: "\n").first { port = Int(line) }
            if port == nil { usleep(50_000) }
        }
        guard let port else {
            process.terminate()
            throw Failure(description: "chromium did not open its DevTools port within 60 s")
        }
        // The page target opened for about:blank.
        let list = try JSONSerialization.jsonObject(with: WebSocket.get(port: port, path: "/json/list")) as? [[String: Any]] ?? []
        guard let page = list.first(where: { $0["type"] as? String == "page" }),
              let address = page["webSocketDebuggerUrl"] as? String, let path = URL(string: address)?.path else {
            process.terminate()
            throw Failure(description: "chromium lists no page target")
        }
        socket = try WebSocket(port: port, path: path)
        for domain in ["Runtime.enable", "Log.enable", "Network.enable", "Page.enable"] { _ = try call(domain) }
    }

    deinit {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: profile)
    }

    /// Sends a command and waits for its answer (`result`), recording events that arrive meanwhile.
    @discardableResult
    func call(_ method: String, _ parameters: [String: Any] = [:], timeout: Double = 30) throws -> [String: Any] {
        nextID += 1
        let id = nextID
        let message = try JSONSerialization.data(withJSONObject: ["id": id, "method": method, "params": parameters])
        try socket.send(String(decoding: message, as: UTF8.self))
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            guard let message = try nextMessage(until: deadline) else { break }
            if message["id"] as? Int == id {
                if let error = message["error"] as? [String: Any] { throw Failure(description: "\(method): \(error)") }
                return message["result"] as? [String: Any] ?? [:]
            }
        }
        throw Failure(description: "\(method): no answer within \(timeout) s")
    }

    /// Opens `url` and waits for its load event.
    func load(_ url: URL, timeout: Double = 30) throws {
        console = Console()
        try call("Page.navigate", ["url": url.absoluteString])
        try waitFor("Page.loadEventFired", timeout: timeout)
    }

    /// Waits for the event `method`.
    func waitFor(_ method: String, timeout: Double) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline, let message = try nextMessage(until: deadline) {
            if message["method"] as? String == method { return }
        }
        throw Failure(description: "no \(method) within \(timeout) s")
    }

    /// Lets the page run for `seconds`, recording its events.
    func idle(_ seconds: Double) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline, try nextMessage(until: deadline) != nil {}
    }

    /// The value of a JavaScript expression (promises awaited), as JSON values.
    /// - Throws: when the expression throws in the page.
    func evaluate(_ expression: String) throws -> Any? {
        let result = try call("Runtime.evaluate", ["expression": expression, "returnByValue": true, "awaitPromise": true])
        if let exception = result["exceptionDetails"] as? [String: Any] {
            let description = (exception["exception"] as? [String: Any])?["description"] as? String ?? "\(exception)"
            throw Failure(description: "page script failed: \(description)\nin: \(expression)")
        }
        return (result["result"] as? [String: Any])?["value"]
    }

    /// A PNG of the page as laid out (the whole page with `fullPage`).
    func screenshot() throws -> Data {
        let result = try call("Page.captureScreenshot", ["format": "png", "captureBeyondViewport": true])
        guard let text = result["data"] as? String, let data = Data(base64Encoded: text) else {
            throw Failure(description: "Page.captureScreenshot returned no picture")
        }
        return data
    }

    /// The next message, events recorded into `console`; nil at the deadline.
    private func nextMessage(until deadline: Date) throws -> [String: Any]? {
        guard let text = try socket.receive(timeout: max(0, deadline.timeIntervalSinceNow)),
              let message = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { return nil }
        let parameters = message["params"] as? [String: Any] ?? [:]
        switch message["method"] as? String {
        case "Runtime.exceptionThrown":
            let details = parameters["exceptionDetails"] as? [String: Any] ?? [:]
            console.errors.append("exception: \((details["exception"] as? [String: Any])?["description"] as? String ?? "\(details["text"] ?? "")")")
        case "Runtime.consoleAPICalled":
            if ["error", "assert"].contains(parameters["type"] as? String) {
                let arguments = (parameters["args"] as? [[String: Any]] ?? []).map { "\($0["value"] ?? $0["description"] ?? "")" }
                console.errors.append("console.error: " + arguments.joined(separator: " "))
            }
        case "Log.entryAdded":
            let entry = parameters["entry"] as? [String: Any] ?? [:]
            if entry["level"] as? String == "error" {
                console.errors.append("\(entry["source"] ?? "log"): \(entry["text"] ?? "") \(entry["url"] ?? "")")
            }
        case "Network.requestWillBeSent":
            if let url = (parameters["request"] as? [String: Any])?["url"] as? String { console.requests.append(url) }
        case "Network.loadingFailed":
            let reason = parameters["errorText"] as? String ?? ""
            // A media element cancelling its own range request is not a failure a person would see.
            if reason != "net::ERR_ABORTED" { console.errors.append("network: \(reason) (\(parameters["type"] ?? ""))") }
        default:
            break
        }
        return message
    }
}
#endif
