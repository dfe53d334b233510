import Foundation
import Logging
import NIOCore
import PostgresNIO

/// The parts of a `postgres://user:password@host:port/database?sslmode=…` URL.
struct PostgresURL: Sendable {
    var username: String
    var password: String?
    var host: String
    var port: Int
    var database: String?
    var tls: TLSMode

    enum TLSMode: String, Sendable { case disable, prefer, require }

    init(_ text: String) throws(StoreError) {
        guard let components = URLComponents(string: text),
            components.scheme == "postgres" || components.scheme == "postgresql",
            let host = components.host, !host.isEmpty,
            let user = components.user, !user.isEmpty
        else {
            throw .configuration("the database URL must look like postgres://user:password@host:5432/database")
        }
        username = user.removingPercentEncoding ?? user
        password = components.password.map { $0.removingPercentEncoding ?? $0 }
        self.host = host
        port = components.port ?? 5432
        let path = components.path.drop { $0 == "/" }
        database = path.isEmpty ? nil : String(path)
        let mode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? "prefer"
        guard let tls = TLSMode(rawValue: mode == "allow" ? "prefer" : mode == "verify-full" ? "require" : mode) else {
            throw .configuration("sslmode must be disable, prefer or require (got \(mode))")
        }
        self.tls = tls
    }
}

/// PostgreSQL through postgres-nio's connection pool.
final class PostgresEngine: DatabaseEngine {
    let dialect = SQLDialect.postgresql
    private let client: PostgresClient
    /// The pool's own task when the engine runs itself (nil: its owner runs ``run()``).
    private let runner: Task<Void, Never>?
    private let logger: Logger

    init(url: PostgresURL, logger: Logger, runsItself: Bool = true) throws {
        let tls: PostgresClient.Configuration.TLS =
            switch url.tls {
            case .disable: .disable
            case .prefer: .prefer(.makeClientConfiguration())
            case .require: .require(.makeClientConfiguration())
            }
        var configuration = PostgresClient.Configuration(
            host: url.host, port: url.port, username: url.username, password: url.password, database: url.database, tls: tls)
        configuration.options.maximumConnections = 16
        configuration.options.minimumConnections = 2
        configuration.options.connectTimeout = .seconds(5)
        // Steiger's queries are short; compiling one (when the planner guesses it long, as
        // correlated columns make it do) cost the dashboard more than it ever saved.
        configuration.options.additionalStartupParameters = [("jit", "off")]
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        self.logger = logger
        // Started at once, so the pool is running before the first lease.
        runner = runsItself ? Task.immediate { await client.run() } : nil
    }

    /// Runs the pool until the calling task is cancelled (when its owner runs it).
    func run() async {
        guard runner == nil else { return }
        await client.run()
    }

    func read<T: Sendable>(_ body: @Sendable (any DatabaseSession) async throws -> T) async throws -> T {
        do {
            return try await client.withConnection { connection in
                try await body(PostgresSession(connection: connection, logger: logger))
            }
        } catch let error as PSQLError {
            throw StoreError(error)
        }
    }

    func write<T: Sendable>(_ body: @Sendable (any DatabaseSession) async throws -> T) async throws -> T {
        do {
            return try await client.withConnection { connection in
                try await PostgresSession(connection: connection, logger: logger).transaction(begin: "BEGIN", body)
            }
        } catch let error as PSQLError {
            throw StoreError(error)
        }
    }

    func close() async {
        runner?.cancel()
        _ = await runner?.value
    }
}

/// A leased PostgreSQL connection.
struct PostgresSession: DatabaseSession {
    let connection: PostgresConnection
    let logger: Logger
    var dialect: SQLDialect { .postgresql }

    func query(_ statement: SQLStatement) async throws(StoreError) -> [SQLRow] {
        let (sql, values) = statement.render(for: .postgresql)
        var binds = PostgresBindings(capacity: values.count)
        for value in values {
            switch value {
            case .null: binds.appendNull()
            case .integer(let number): binds.append(number)
            case .double(let number): binds.append(number)
            case .text(let text): binds.append(text)
            }
        }
        do {
            var result: [SQLRow] = []
            var names: [String]?
            for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger) {
                var cells: [SQLValue] = []
                cells.reserveCapacity(row.count)
                for cell in row { cells.append(try SQLValue(cell)) }
                if names == nil { names = row.map(\.columnName) }
                result.append(SQLRow(names: names!, values: cells))
            }
            return result
        } catch let error as PSQLError {
            throw StoreError(error)
        } catch let error as StoreError {
            throw error
        } catch {
            throw .unavailable(String(describing: error))
        }
    }
}

extension SQLValue {
    init(_ cell: PostgresCell) throws {
        guard cell.bytes != nil else {
            self = .null
            return
        }
        switch cell.dataType {
        case .int2, .int4, .int8: self = .integer(try cell.decode(Int64.self))
        case .float4, .float8: self = .double(try cell.decode(Double.self))
        case .bool: self = .integer(try cell.decode(Bool.self) ? 1 : 0)
        default: self = .text(try cell.decode(String.self))
        }
    }
}

extension StoreError {
    init(_ error: PSQLError) {
        let state = error.serverInfo?[.sqlState]
        let message = error.serverInfo?[.message] ?? "\(error.code)"
        switch state {
        case "23505": self = .conflict(error.serverInfo?[.detail] ?? message)
        case "23503": self = .reference(error.serverInfo?[.detail] ?? message)
        default: self = .unavailable(message)
        }
    }
}
