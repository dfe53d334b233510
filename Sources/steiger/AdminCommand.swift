import ArgumentParser
import Foundation
import SteigerApp
import SteigerCore
import SteigerServer
import SteigerStore

struct AdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin",
        abstract: "Manage accounts from the command line.",
        subcommands: [CreateUser.self, ResetPassword.self, CreateToken.self]
    )

    /// Reads a password from standard input (one line), for `--password-stdin`.
    static func readPassword() throws -> String {
        guard let line = readLine(strippingNewline: true), !line.isEmpty else { throw ValidationError("no password on standard input") }
        return line
    }

    /// Runs `body` with a migrated store, closing it afterwards, and turns domain errors into messages.
    static func withAccounts(_ service: ServiceOptions, _ body: (Accounts) async throws -> Void) async throws {
        let logger = service.makeLogger()
        let store = try await service.openStore(logger: logger)
        do {
            try await store.migrate()
            try await body(Accounts(store: store))
            await store.close()
        } catch {
            await store.close()
            switch error {
            case let error as SteigerCore.ValidationError: throw ValidationError(error.english)
            case let error as AppError: throw ValidationError(error.english)
            case let error as StoreError: throw ValidationError(error.description)
            default: throw error
            }
        }
    }

    struct CreateUser: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create-user", abstract: "Add a user; prints the password when it was generated.")
        @OptionGroup var service: ServiceOptions
        @Option(help: "Email address (the login).") var email: String
        @Option(help: "Name shown to others.") var name: String
        @Option(help: "A role: admin, trainer, manager or learner (repeat for several).") var role: [String] = ["learner"]
        @Flag(help: "Read the password from standard input instead of generating one.") var passwordStdin = false

        func run() async throws {
            let roles = try Set(
                role.map { text in
                    guard let role = Role(rawValue: text) else {
                        throw ValidationError("unknown role \(text): use admin, trainer, manager or learner")
                    }
                    return role
                })
            let password = passwordStdin ? try AdminCommand.readPassword() : Accounts.generatePassword()
            try await AdminCommand.withAccounts(service) { accounts in
                let user = try await accounts.createUser(email: email, displayName: name, roles: roles, password: password)
                print("Created \(user.email) (\(user.roles.sorted().map(\.rawValue).joined(separator: ", "))), id \(user.id)")
                if !passwordStdin { print("Password: \(password)") }
            }
        }
    }

    struct ResetPassword: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reset-password",
            abstract: "Give a user a new password (ending their sessions and revoking their API tokens); prints it when generated.")
        @OptionGroup var service: ServiceOptions
        @Option(help: "The user's email address.") var email: String
        @Flag(help: "Read the password from standard input instead of generating one.") var passwordStdin = false

        func run() async throws {
            let password = passwordStdin ? try AdminCommand.readPassword() : Accounts.generatePassword()
            try await AdminCommand.withAccounts(service) { accounts in
                let user = try await accounts.user(email: email)
                try await accounts.setPassword(password, for: user.id)
                print("New password set for \(user.email).")
                if !passwordStdin { print("Password: \(password)") }
            }
        }
    }

    struct CreateToken: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create-token",
            abstract: "Make a personal API token for a user; the secret is printed once.")
        @OptionGroup var service: ServiceOptions
        @Option(help: "The user's email address.") var email: String
        @Option(help: "What the token is for.") var name = "command line"
        @Option(help: "Days until it expires (default: \(Accounts.tokenLifetime.standard), at most \(Accounts.tokenLifetime.longest)).")
        var expiresInDays: Int?

        func run() async throws {
            try await AdminCommand.withAccounts(service) { accounts in
                print(try await accounts.createToken(for: try await accounts.user(email: email), name: name, expiresInDays: expiresInDays))
            }
        }
    }
}
