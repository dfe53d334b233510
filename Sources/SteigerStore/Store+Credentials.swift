import Crypto
import Foundation
import SteigerCore

/// Random secrets handed to clients (session cookies, API tokens). Only their SHA-256 is stored,
/// so a copy of the database does not let anyone in.
public enum SecretToken {
    /// A new secret: `prefix` followed by 32 random bytes in URL-safe base64 (256 bits).
    public static func generate(prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return prefix + base64URL(Data(bytes))
    }

    /// URL-safe base64 without padding (RFC 4648 §5), fit for cookies, headers and forms.
    public static func base64URL(_ data: some DataProtocol) -> String {
        Data(data).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// Whether `given` equals `expected`, compared in constant time (for signatures).
    public static func matches(_ given: some StringProtocol, _ expected: some StringProtocol) -> Bool {
        given.utf8.count == expected.utf8.count && zip(given.utf8, expected.utf8).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// The stored form of a secret: SHA-256, hex.
    public static func hash(_ secret: String) -> String {
        BlobStore.hex(SHA256.hash(data: Data(secret.utf8)))
    }
}

extension Store {
    // MARK: - Keys

    /// The service's key named `name`, shared by every server process: made at random the first
    /// time it is asked for (whichever process asks first wins).
    public func serverKey(named name: String, now: Date = Date()) async throws -> String {
        let made = SecretToken.generate(prefix: "")
        return try await write { session in
            _ = try await session.query(
                """
                INSERT INTO server_keys (name, secret, created_at) VALUES (\(bind: name), \(bind: made), \(bind: now))
                ON CONFLICT (name) DO NOTHING
                """)
            guard let row = try await session.query("SELECT secret FROM server_keys WHERE name = \(bind: name)").first else {
                throw StoreError.notFound("server key \(name)")
            }
            return try row.string("secret")
        }
    }

    // MARK: - Sessions

    /// Starts a session for `user`; returns the secret for the cookie.
    public func createSession(for user: UserID, expiresAt: Date, address: String?, userAgent: String?, now: Date = Date()) async throws -> String {
        let secret = SecretToken.generate(prefix: "")
        try await write { session in
            _ = try await session.query(
                """
                INSERT INTO sessions (token_hash, user_id, created_at, expires_at, address, user_agent)
                VALUES (\(bind: SecretToken.hash(secret)), \(bind: user.description), \(bind: now), \(bind: expiresAt),
                        \(bind: address), \(bind: userAgent.map { String($0.prefix(300)) }))
                """)
            // Expired sessions are removed as new ones are made.
            _ = try await session.query("DELETE FROM sessions WHERE expires_at <= \(bind: now)")
        }
        return secret
    }

    /// The user of a live session, or nil for an unknown or expired one.
    public func sessionUser(secret: String, now: Date = Date()) async throws -> User? {
        try await read { session in
            try await session.query(
                """
                SELECT \(raw: Self.userColumns) FROM sessions JOIN users ON users.id = sessions.user_id
                WHERE sessions.token_hash = \(bind: SecretToken.hash(secret)) AND sessions.expires_at > \(bind: now)
                """
            ).first.map(Self.user)
        }
    }

    /// Ends a session.
    public func deleteSession(secret: String) async throws {
        try await write { session in
            _ = try await session.query("DELETE FROM sessions WHERE token_hash = \(bind: SecretToken.hash(secret))")
        }
    }

    // MARK: - API tokens

    /// Makes a personal API token; returns it as listed and the secret, which is shown once and not kept.
    public func createToken(for user: UserID, name: String, expiresAt: Date?, now: Date = Date()) async throws -> (token: APIToken, secret: String) {
        let secret = SecretToken.generate(prefix: "stg_")
        let token = APIToken(
            id: UUIDText.lowercase(UUID()), userID: user, name: name, prefix: String(secret.prefix(10)),
            createdAt: now, expiresAt: expiresAt, lastUsedAt: nil, revokedAt: nil)
        try await write { session in
            _ = try await session.query(
                """
                INSERT INTO api_tokens (id, user_id, name, token_hash, prefix, created_at, expires_at)
                VALUES (\(bind: token.id), \(bind: user.description), \(bind: name), \(bind: SecretToken.hash(secret)), \(bind: token.prefix),
                        \(bind: now), \(bind: expiresAt))
                """)
        }
        return (token, secret)
    }

    /// The owner of a live token (not revoked, not expired), noting its use at most once a minute.
    public func tokenUser(secret: String, now: Date = Date()) async throws -> User? {
        let hash = SecretToken.hash(secret)
        let found = try await read { session in
            try await session.query(
                """
                SELECT \(raw: Self.userColumns), api_tokens.id AS token_id, api_tokens.last_used_at
                FROM api_tokens JOIN users ON users.id = api_tokens.user_id
                WHERE api_tokens.token_hash = \(bind: hash) AND api_tokens.revoked_at IS NULL
                  AND (api_tokens.expires_at IS NULL OR api_tokens.expires_at > \(bind: now))
                """
            ).first
        }
        guard let found else { return nil }
        let lastUsed = try found.optionalDate("last_used_at")
        if lastUsed.map({ now.timeIntervalSince($0) >= 60 }) ?? true {
            let id = try found.string("token_id")
            try await write { session in
                _ = try await session.query("UPDATE api_tokens SET last_used_at = \(bind: now) WHERE id = \(bind: id)")
            }
        }
        return try Self.user(found)
    }

    /// A user's tokens, newest first, revoked ones included.
    public func tokens(of user: UserID) async throws -> [APIToken] {
        try await read { session in
            try await session.query(
                """
                SELECT id, user_id, name, prefix, created_at, expires_at, last_used_at, revoked_at FROM api_tokens
                WHERE user_id = \(bind: user.description) ORDER BY created_at DESC, id DESC
                """
            ).map { row in
                APIToken(
                    id: try row.string("id"), userID: try row.id("user_id"), name: try row.string("name"), prefix: try row.string("prefix"),
                    createdAt: try row.date("created_at"), expiresAt: try row.optionalDate("expires_at"),
                    lastUsedAt: try row.optionalDate("last_used_at"), revokedAt: try row.optionalDate("revoked_at"))
            }
        }
    }

    /// Revokes one of `user`'s tokens. - Returns: whether such a live token existed.
    @discardableResult
    public func revokeToken(id: String, of user: UserID, now: Date = Date()) async throws -> Bool {
        try await write { session in
            !(try await session.query(
                """
                UPDATE api_tokens SET revoked_at = \(bind: now)
                WHERE id = \(bind: id) AND user_id = \(bind: user.description) AND revoked_at IS NULL RETURNING id
                """
            ).isEmpty)
        }
    }
}
