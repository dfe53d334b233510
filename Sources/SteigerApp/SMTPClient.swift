import Foundation
import NIOCore
import NIOExtras
import NIOPosix
import NIOSSL

/// Where and how Steiger sends e-mail: `smtp://user:pass@host:587` (STARTTLS) or
/// `smtps://user:pass@host:465` (TLS from the first byte). Plain SMTP, without TLS, is used only
/// to a server on this machine or when explicitly allowed.
public struct SMTPSettings: Sendable, Equatable {
    public enum Security: String, Sendable, Equatable {
        /// Connect in plain text and switch to TLS with STARTTLS (required unless plain is allowed).
        case startTLS
        /// TLS from the first byte.
        case implicitTLS
    }

    public var host: String
    public var port: Int
    public var security: Security
    public var username: String?
    public var password: String?
    /// The sender's address, and the name shown with it.
    public var from: String
    public var fromName = "Steiger"
    /// Whether a server that offers no STARTTLS may be used in plain text although it is not on
    /// this machine.
    public var allowPlain = false
    /// A PEM file of certificates to trust besides the system's (a private mail server's CA).
    public var trustRoots: String?
    /// How long one reply may take (a mail takes four: its hold, a minute, covers them).
    public var timeout: TimeAmount = .seconds(12)

    /// Reads `url` (`smtp://` or `smtps://`, user and password percent-encoded).
    /// - Throws: ``MailError/configuration(_:)`` saying what is wrong.
    public init(url: String, from: String, allowPlain: Bool = false, trustRoots: String? = nil) throws {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            let host = components.host, !host.isEmpty
        else { throw MailError.configuration("the SMTP address must look like smtp://user:password@host:587") }
        switch scheme {
        case "smtp": security = .startTLS
        case "smtps": security = .implicitTLS
        default: throw MailError.configuration("the SMTP address must start with smtp:// or smtps://")
        }
        guard from.contains("@"), !from.contains(where: { $0.isWhitespace || $0 == "<" || $0 == ">" }) else {
            throw MailError.configuration("the sender must be an e-mail address such as steiger@example.org")
        }
        self.host = host
        port = components.port ?? (security == .implicitTLS ? 465 : 587)
        username = components.percentEncodedUser.flatMap { $0.removingPercentEncoding }
        password = components.percentEncodedPassword.flatMap { $0.removingPercentEncoding }
        self.from = from
        self.allowPlain = allowPlain
        self.trustRoots = trustRoots
    }

    /// Whether the server runs on this machine (plain text never leaves it).
    public var isLocal: Bool {
        ["localhost", "127.0.0.1", "::1", "[::1]"].contains(host.lowercased()) || host.hasPrefix("127.")
    }
}

/// Why a mail was not sent.
public enum MailError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The settings cannot work.
    case configuration(String)
    /// Worth trying again later, and the connection is gone or unusable: no connection, a
    /// timeout, a refusal of the sender (the server's trouble, not one mail's).
    case transient(String)
    /// This mail is to be tried again later (a 4xx for it); the session goes on with the others.
    case deferred(String)
    /// The server refused this mail for good (5xx); `mailbox` when it refused the address itself.
    case permanent(String, mailbox: Bool = false)

    public var description: String {
        switch self {
        case .configuration(let text), .transient(let text), .deferred(let text), .permanent(let text, _): text
        }
    }
}

/// One mail as it goes over the wire.
public struct OutgoingMail: Sendable {
    public var to: String
    /// The whole message: headers and body with CRLF line ends.
    public var message: String

    public init(to: String, message: String) {
        self.to = to
        self.message = message
    }
}

/// A connection to the mail server for a batch of mails: greeting, EHLO, STARTTLS, AUTH, then
/// MAIL/RCPT/DATA per mail; each mail's outcome is known when its DATA is answered.
public final class SMTPSession {
    let settings: SMTPSettings
    private let channel: any Channel
    private var incoming: AsyncThrowingStream<String, any Error>.AsyncIterator
    private var capabilities: [String] = []

    private init(settings: SMTPSettings, channel: any Channel, lines: AsyncThrowingStream<String, any Error>) {
        self.settings = settings
        self.channel = channel
        self.incoming = lines.makeAsyncIterator()
    }

    /// Connects, greets, secures and signs in.
    /// - Throws: ``MailError``.
    public static func open(
        _ settings: SMTPSettings, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws
        -> SMTPSession
    {
        let (stream, continuation) = AsyncThrowingStream<String, any Error>.makeStream()
        let tls = try settings.security == .implicitTLS ? tlsContext(settings) : nil
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(.seconds(10))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let tls { try channel.pipeline.syncOperations.addHandler(try Self.tlsHandler(tls, settings)) }
                        // A server silent for longer than the timeout ends the session (the reply waited for fails).
                        try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: settings.timeout))
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LineBasedFrameDecoder()))
                        try channel.pipeline.syncOperations.addHandler(ReplyLines(continuation))
                    }
                }
                .connect(host: settings.host, port: settings.port).get()
        } catch {
            throw MailError.transient("cannot reach the mail server \(settings.host):\(settings.port): \(error)")
        }
        let session = SMTPSession(settings: settings, channel: channel, lines: stream)
        do {
            try await session.start()
        } catch {
            session.close()
            throw error
        }
        return session
    }

    private func start() async throws {
        try expect(try await reply(), 220, "greeting")
        try await hello()
        if settings.security == .startTLS {
            if capabilities.contains("STARTTLS") {
                try expect(try await command("STARTTLS"), 220, "STARTTLS")
                let context = try Self.tlsContext(settings)
                let channel = channel
                let settings = settings
                try await channel.eventLoop.submit {
                    try channel.pipeline.syncOperations.addHandler(try Self.tlsHandler(context, settings), position: .first)
                }.get()
                try await hello()
            } else if !(settings.isLocal || settings.allowPlain) {
                throw MailError.configuration(
                    "the mail server \(settings.host) offers no STARTTLS; plain SMTP is used only on this machine or with --smtp-allow-plain")
            }
        }
        guard let username = settings.username else { return }
        let password = settings.password ?? ""
        let auth = capabilities.first { $0.hasPrefix("AUTH ") }.map { $0.split(separator: " ").dropFirst().map(String.init) } ?? []
        if auth.contains("PLAIN") || !auth.contains("LOGIN") {
            let token = Data("\0\(username)\0\(password)".utf8).base64EncodedString()
            try expect(try await command("AUTH PLAIN \(token)", secret: true), 235, "sign-in (AUTH PLAIN)")
        } else {
            try expect(try await command("AUTH LOGIN"), 334, "sign-in (AUTH LOGIN)")
            try expect(try await command(Data(username.utf8).base64EncodedString(), secret: true), 334, "sign-in (AUTH LOGIN)")
            try expect(try await command(Data(password.utf8).base64EncodedString(), secret: true), 235, "sign-in (AUTH LOGIN)")
        }
    }

    private func hello() async throws {
        let reply = try await command("EHLO \(Self.hostname)")
        try expect(reply, 250, "EHLO")
        capabilities = reply.lines.dropFirst().map { $0.uppercased() }
    }

    /// Sends one mail. - Throws: ``MailError/permanent(_:mailbox:)`` when the server refuses it
    /// or its address for good and ``MailError/deferred(_:)`` when it asks for it later (the
    /// session goes on in both cases: the transaction is reset), ``MailError/transient(_:)`` when
    /// the session cannot go on.
    public func send(_ mail: OutgoingMail) async throws {
        do {
            let sender = try await command("MAIL FROM:<\(settings.from)>")
            // A refused sender is the server's trouble with every mail, not this one's.
            guard sender.code == 250 else { throw MailError.transient("MAIL FROM: \(sender.code) \(sender.text)") }
            do {
                let recipient = try await command("RCPT TO:<\(mail.to)>")
                guard recipient.code == 250 || recipient.code == 251 else { throw Self.refusal(recipient, "RCPT TO", address: true) }
                try expect(try await command("DATA"), 354, "DATA")
                // Lines that begin with a dot get another (RFC 5321 4.5.2); a line of one dot ends it.
                var lines = mail.message.components(separatedBy: "\r\n")
                if lines.last == "" { lines.removeLast() }
                try await write(lines.map { ($0.hasPrefix(".") ? "." : "") + $0 }.joined(separator: "\r\n") + "\r\n.\r\n")
                let accepted = try await reply()
                guard accepted.code == 250 else { throw Self.refusal(accepted, "DATA", address: false) }
            } catch let error as MailError {
                // The server answered: end this mail's transaction and go on with the session.
                if case .transient = error { throw error }
                guard (try? await command("RSET"))?.code == 250 else { throw MailError.transient("RSET failed after: \(error)") }
                throw error
            }
        } catch let error as MailError {
            throw error
        } catch {
            throw MailError.transient("the mail server connection failed: \(error)")
        }
    }

    /// A refusal of one mail: for good (5xx), or for now (4xx). An address counts as refused
    /// only when the server says the mailbox is (550, 551, 553), not for a relay or policy refusal.
    private static func refusal(_ reply: Reply, _ step: String, address: Bool) -> MailError {
        let text = "\(step): \(reply.code) \(reply.text)"
        guard (500..<600).contains(reply.code) else { return .deferred(text) }
        let mailbox = address && [550, 551, 553].contains(reply.code) && !reply.text.lowercased().contains("relay")
        return .permanent(text, mailbox: mailbox)
    }

    /// Says goodbye and closes.
    public func quit() async {
        _ = try? await command("QUIT")
        close()
    }

    func close() {
        channel.close(promise: nil)
    }

    struct Reply {
        var code: Int
        var lines: [String]
        var text: String { lines.joined(separator: " ") }
    }

    private func command(_ line: String, secret: Bool = false) async throws -> Reply {
        try await write(line + "\r\n")
        return try await reply()
    }

    private func write(_ text: String) async throws {
        do {
            try await channel.writeAndFlush(channel.allocator.buffer(string: text)).get()
        } catch {
            throw MailError.transient("the mail server connection failed: \(error)")
        }
    }

    /// One reply, its continuation lines (`250-…`) gathered.
    private func reply() async throws -> Reply {
        var lines: [String] = []
        while true {
            let line: String?
            do {
                line = try await incoming.next()
            } catch let error as MailError {
                throw error
            } catch {
                throw MailError.transient("the mail server connection failed: \(error)")
            }
            guard let line else { throw MailError.transient("the mail server closed the connection") }
            guard line.count >= 3, let code = Int(line.prefix(3)) else { throw MailError.transient("the mail server said: \(line)") }
            lines.append(String(line.dropFirst(4)))
            if line.count == 3 || line[line.index(line.startIndex, offsetBy: 3)] != "-" { return Reply(code: code, lines: lines) }
        }
    }

    private func expect(_ reply: Reply, _ code: Int, _ step: String) throws {
        guard reply.code == code else { throw Self.failure(reply, step) }
    }

    private static func failure(_ reply: Reply, _ step: String) -> MailError {
        let text = "\(step): \(reply.code) \(reply.text)"
        return (500..<600).contains(reply.code) ? .permanent(text) : .transient(text)
    }

    private static func tlsContext(_ settings: SMTPSettings) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let roots = settings.trustRoots {
            configuration.additionalTrustRoots = [.file(roots)]
        }
        return try NIOSSLContext(configuration: configuration)
    }

    private static func tlsHandler(_ context: NIOSSLContext, _ settings: SMTPSettings) throws -> NIOSSLClientHandler {
        let name = settings.host.first?.isNumber == true || settings.host.contains(":") ? nil : settings.host
        return try NIOSSLClientHandler(context: context, serverHostname: name)
    }

    static let hostname: String = {
        let name = ProcessInfo.processInfo.hostName
        return name.isEmpty || name.contains(where: { $0.isWhitespace }) ? "steiger.localdomain" : name
    }()
}

/// Hands each line the server sends to the session (CR LF stripped).
private final class ReplyLines: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    let continuation: AsyncThrowingStream<String, any Error>.Continuation

    init(_ continuation: AsyncThrowingStream<String, any Error>.Continuation) { self.continuation = continuation }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        var line = buffer.readString(length: buffer.readableBytes) ?? ""
        if line.hasSuffix("\r") { line.removeLast() }
        continuation.yield(line)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            continuation.finish(throwing: MailError.transient("the mail server did not answer in time"))
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        continuation.finish()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        continuation.finish(throwing: error)
        context.close(promise: nil)
    }
}
