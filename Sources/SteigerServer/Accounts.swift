import Foundation
import HummingbirdBcrypt
import Logging
import NIOPosix
import SteigerApp
import SteigerCore
import SteigerStore

/// Account administration shared by the API and `steiger admin`: creating users, setting
/// passwords, making tokens, and the first administrator of a new installation.
public struct Accounts: Sendable {
    let store: Store
    let bcryptCost: UInt8

    /// Creates the service over `store`; `bcryptCost` is the work factor for new hashes.
    public init(store: Store, bcryptCost: UInt8 = 12) {
        self.store = store
        self.bcryptCost = bcryptCost
    }

    /// A random password of 20 letters and digits (about 119 bits).
    public static func generatePassword() -> String {
        let alphabet = Array("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<20).map { _ in alphabet.randomElement(using: &generator)! })
    }

    /// bcrypt, off the event loops.
    public func hash(_ password: String) async throws -> String {
        let cost = bcryptCost
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    /// Checks a new password: 10 to 1000 characters.
    public static func checkPassword(_ password: String, field: String = "password") throws(ValidationError) {
        if password.unicodeScalars.count < 10 { throw ValidationError(field: field, Message("validation.minCharacters", ["min": 10])) }
        if password.unicodeScalars.count > 1000 { throw ValidationError(field: field, Message("validation.maxCharacters", ["max": 1000])) }
    }

    /// Adds a user with a password; `actor` is who made the account (nil: the command line).
    public func createUser(
        email: String, displayName: String, roles: Set<Role>, password: String?, by actor: UserID? = nil,
        now: Date = Date()
    ) async throws -> User {
        let user = try User(email: email, displayName: displayName, roles: roles, createdAt: now)
        if let password { try Self.checkPassword(password) }
        let hash = try await password.asyncMap { try await self.hash($0) }
        try await store.createUser(user, passwordHash: hash, by: actor)
        return user
    }

    /// Sets a user's password (ending their sessions).
    public func setPassword(_ password: String, for user: UserID) async throws {
        try Self.checkPassword(password)
        try await store.setPasswordHash(try await hash(password), for: user)
    }

    /// The user with `email`, or a not-found error naming it.
    public func user(email: String) async throws -> User {
        guard let found = try await store.userForLogin(email: email)?.user else {
            throw StoreError.notFound("no user has the email address \(email)")
        }
        return found
    }

    /// On a database without users, creates the first administrator with a generated password,
    /// writes the credentials to `credentialsFile` (mode 0600) and returns them.
    public func ensureFirstAdmin(email: String, credentialsFile: String, logger: Logger) async throws -> (email: String, password: String)? {
        guard try await store.userCount() == 0 else { return nil }
        let password = Self.generatePassword()
        _ = try await createUser(email: email, displayName: "Administrator", roles: [.admin], password: password)
        let text = "email: \(email)\npassword: \(password)\n"
        try Self.writePrivateFile(credentialsFile, text)
        logger.notice("created the first administrator", metadata: ["email": .string(email), "credentials": .string(credentialsFile)])
        return (email, password)
    }
}

extension Accounts {
    /// Writes a file only its owner can read, created with that mode (never readable by others,
    /// not even for a moment); an existing file is replaced.
    static func writePrivateFile(_ path: String, _ text: String) throws {
        unlink(path)
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else { throw StoreError.configuration("cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        let bytes = Array(text.utf8)
        guard write(descriptor, bytes, bytes.count) == bytes.count else {
            throw StoreError.configuration("cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
