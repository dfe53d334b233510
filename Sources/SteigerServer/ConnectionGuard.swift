import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypes
import Synchronization

/// How the server treats connections, against clients that hold them open without sending.
public struct ConnectionRules: Sendable {
    /// Time a new connection has to send its first request's line and headers.
    public var headerTimeout: TimeAmount = .seconds(10)
    /// Time a connection may send nothing (between requests, or in the middle of a body) before
    /// it is closed; a resumable upload goes on from what arrived.
    public var idleTimeout: TimeAmount = .seconds(60)
    /// Connections one address may hold open at once (a trusted proxy's are not counted).
    public var perAddress = 512
    /// Proxies whose `X-Forwarded-For` says who the client is.
    public var trustedProxies = TrustedProxies()

    public init() {}
}

/// Open connections per peer address, within a limit.
final class ConnectionCounts: Sendable {
    private let open = Mutex<[String: Int]>([:])
    let limit: Int

    init(limit: Int) { self.limit = limit }

    /// Counts a new connection from `address`; false (not counted) when it already holds `limit`.
    func admit(_ address: String, limit: Int? = nil) -> Bool {
        let limit = limit ?? self.limit
        return open.withLock { open in
            let count = open[address, default: 0]
            guard count < limit else { return false }
            open[address] = count + 1
            return true
        }
    }

    /// What one client is counted as: an IPv4 address, or an IPv6 address's /64 (one subscriber's
    /// network, in which any number of addresses are theirs to use).
    static func key(_ address: String) -> String {
        guard address.contains(":") else { return address }
        var storage = in6_addr()
        guard inet_pton(AF_INET6, address, &storage) == 1 else { return address }
        return withUnsafeBytes(of: &storage) { bytes in bytes.prefix(8).map { String(format: "%02x", $0) }.joined() } + "::/64"
    }

    /// A connection from `address` closed.
    func release(_ address: String) {
        open.withLock { open in
            let count = open[address, default: 1] - 1
            open[address] = count > 0 ? count : nil
        }
    }
}

/// HTTP/1.1 with guards against slow and many clients: a deadline for the first request's
/// headers, an idle timeout, and a bound on the connections one address holds. Refused
/// connections are closed at once, before any of their bytes is read.
struct GuardedHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value
    let inner: HTTP1Channel
    let counts: ConnectionCounts
    let rules: ConnectionRules
    let refusals: RefusalLog

    init(responder: @escaping HTTPChannelHandler.Responder, rules: ConnectionRules, logger: Logger) {
        let headerTimeout = rules.headerTimeout
        inner = HTTP1Channel(
            responder: responder,
            configuration: .init(additionalChannelHandlers: [FirstRequestDeadline(timeout: headerTimeout)], idleTimeout: rules.idleTimeout))
        counts = ConnectionCounts(limit: rules.perAddress)
        self.rules = rules
        refusals = RefusalLog(logger: logger)
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let address = TrustedProxies.plain(channel.remoteAddress?.ipAddress ?? "")
        // A trusted proxy carries many clients' connections: it gets sixteen times the limit.
        let key = rules.trustedProxies.contains(address) ? "proxy " + address : ConnectionCounts.key(address)
        let limit = rules.trustedProxies.contains(address) ? rules.perAddress * 16 : rules.perAddress
        guard counts.admit(key, limit: limit) else {
            refusals.note(address, limit: limit)
            return channel.close().flatMapThrowing { throw ChannelError.ioOnClosedChannel }
        }
        let counts = self.counts
        channel.closeFuture.whenComplete { _ in counts.release(key) }
        return inner.setup(channel: channel, logger: logger).flatMapErrorThrowing { error in
            channel.close(promise: nil)
            throw error
        }
    }

    func handle(value: Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }
}

/// Logs refused connections at most once a minute per address, with how many there were.
final class RefusalLog: Sendable {
    private let state = Mutex<[String: (since: ContinuousClock.Instant, count: Int)]>([:])
    let logger: Logger

    init(logger: Logger) { self.logger = logger }

    func note(_ address: String, limit: Int) {
        let now = ContinuousClock.now
        let report: Int? = state.withLock { state in
            var entry = state[address] ?? (now, 0)
            entry.count += 1
            if entry.count == 1 || now - entry.since >= .seconds(60) {
                state[address] = (now, 0)
                if state.count > 10_000 { state.removeAll() }
                return entry.count
            }
            state[address] = entry
            return nil
        }
        if let report {
            logger.warning(
                "connections refused: the address holds its limit",
                metadata: ["address": .string(address), "limit": .stringConvertible(limit), "refused": .stringConvertible(report)])
        }
    }
}

/// Closes a connection whose first request's line and headers have not all arrived in time (a
/// client that opens a connection and then sends almost nothing).
final class FirstRequestDeadline: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    let timeout: TimeAmount
    private var deadline: Scheduled<Void>?
    private var headReceived = false

    init(timeout: TimeAmount) { self.timeout = timeout }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if !headReceived, case .head = unwrapInboundIn(data) {
            headReceived = true
            deadline?.cancel()
            deadline = nil
        }
        context.fireChannelRead(data)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
    }

    private func arm(_ context: ChannelHandlerContext) {
        guard deadline == nil, !headReceived else { return }
        let channel = context.channel
        deadline = context.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
    }
}
