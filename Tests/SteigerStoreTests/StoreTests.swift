import Foundation
import SteigerCore
import SteigerStore
import SteigerTestSupport
import Testing

@Suite("Store, on every engine")
struct StoreTests {
    @Test("migrations run once; running them again is a no-op", arguments: TestEngine.available)
    func migrationsTwice(engine: TestEngine) async throws {
        let database = try await TestDatabase.make(engine)
        defer { Task { await database.remove() } }
        let store = try await database.openStore(migrate: false)
        #expect(try await store.schemaVersion() == 0)
        #expect(try await store.migrate() == Schema.migrations.map(\.version))
        let user = try User(email: "a@example.org", displayName: "A", roles: [.learner])
        try await store.createUser(user, passwordHash: nil)
        #expect(try await store.migrate() == [])
        #expect(try await store.schemaVersion() == Schema.latestVersion)
        await store.close()
        // A second process opening the same database finds nothing to do and the data intact.
        let again = try await database.openStore(migrate: false)
        #expect(try await again.migrate() == [])
        #expect(try await again.user(user.id) == user)
        await again.close()
    }

    @Test("a bulk load in a few huge transactions keeps SQLite's write-ahead log near one transaction's size")
    func bulkLoadKeepsTheLogSmall() async throws {
        let database = try await TestDatabase.make(.sqlite)
        defer { Task { await database.remove() } }
        guard case .sqlite(let path) = database.location else { return }
        let store = try await database.openStore(migrate: false)
        // 6 commits of 40 MB: far fewer commits than a passive checkpoint waits for, and without
        // one the log would hold all 240 MB.
        let insert =
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40) INSERT INTO bulk (body) SELECT randomblob(1048576) FROM n"
        var largest = 0
        do {
            try await store.execute(unsafeStatements: ["CREATE TABLE bulk (id INTEGER PRIMARY KEY, body BLOB)"])
            for _ in 0..<6 {
                try await store.execute(unsafeStatements: [insert])
                let size = try FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int ?? 0
                largest = max(largest, size)
            }
        } catch {
            Issue.record(error)
        }
        #expect(largest > 40 << 20)
        #expect(largest < 120 << 20, "the log reached \(largest >> 20) MB")
        await store.close()
        // Everything reached the database itself.
        let kept = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
        #expect(kept > 240 << 20)
    }

    @Test("several processes migrating one database at once all succeed", arguments: TestEngine.available)
    func concurrentMigrations(engine: TestEngine) async throws {
        let database = try await TestDatabase.make(engine)
        let stores = [
            try await database.openStore(migrate: false), try await database.openStore(migrate: false), try await database.openStore(migrate: false),
        ]
        let applied = try await withThrowingTaskGroup(of: [Int].self) { group in
            for store in stores { group.addTask { try await store.migrate() } }
            return try await group.reduce(into: [[Int]]()) { $0.append($1) }
        }
        #expect(applied.flatMap { $0 }.sorted() == Schema.migrations.map(\.version))
        for store in stores { await store.close() }
        await database.remove()
    }

    @Test("users: unique email in any case, update, login lookup", arguments: TestEngine.available)
    func users(engine: TestEngine) async throws {
        try await TestDatabase.withStore(engine) { store in
            let ada = try User(email: "Ada@Example.org", displayName: "Ada", roles: [.trainer, .learner])
            try await store.createUser(ada, passwordHash: "$2b$hash")
            #expect(try await store.user(ada.id) == ada)
            let clash = try User(email: "ADA@example.org", displayName: "Other", roles: [.learner])
            await #expect(throws: StoreError.self) { try await store.createUser(clash, passwordHash: nil) }
            let login = try #require(try await store.userForLogin(email: " ada@EXAMPLE.org "))
            #expect(login.user.id == ada.id && login.passwordHash == "$2b$hash")
            var changed = ada
            changed.displayName = "Ada L."
            changed.roles = [.admin]
            changed.isDisabled = true
            let stored = try await store.updateUser(ada.id, changes: UserChanges(displayName: "Ada L.", roles: [.admin], isDisabled: true))
            let reread = try await store.user(ada.id)
            #expect(stored == changed && reread == changed)
            // Fields not named stay as they are.
            let renamed = try await store.updateUser(ada.id, changes: UserChanges(displayName: "Ada"))
            #expect(renamed.roles == [.admin] && renamed.isDisabled)
            changed.displayName = "Ada"
            await #expect(throws: StoreError.self) { try await store.updateUser(UserID(), changes: UserChanges(displayName: "Nobody")) }
            #expect(try await store.userCount() == 1)
            #expect(try await store.userForLogin(email: "nobody@example.org") == nil)
        }
    }

    @Test("cohorts and memberships: parts replace, deleting a cohort removes its memberships", arguments: TestEngine.available)
    func cohorts(engine: TestEngine) async throws {
        try await TestDatabase.withStore(engine) { store in
            let world = try await World.seed(store)
            try await store.putMembership(Membership(cohortID: world.cohortA.id, userID: world.learnerA1.id, part: .trainer))
            #expect(try await store.memberships(of: world.learnerA1.id).map(\.part) == [.trainer])
            let ghost = Membership(cohortID: CohortID(), userID: world.learnerA1.id, part: .learner)
            await #expect(throws: StoreError.self) { try await store.putMembership(ghost) }
            #expect(try await store.deleteMembership(cohort: world.cohortA.id, user: world.learnerA2.id))
            #expect(try await store.deleteMembership(cohort: world.cohortA.id, user: world.learnerA2.id) == false)
            #expect(try await store.deleteCohort(world.cohortB.id))
            #expect(try await store.memberships(of: world.learnerB.id).isEmpty)
            #expect(try await store.exercise(world.exerciseB.id)?.cohorts == [])
            #expect(try await store.cohort(world.cohortB.id) == nil)
        }
    }

    @Test("exercises keep their rubric, ladder and cohorts; one with submissions cannot be deleted", arguments: TestEngine.available)
    func exercises(engine: TestEngine) async throws {
        try await TestDatabase.withStore(engine) { store in
            let world = try await World.seed(store)
            let stored = try #require(try await store.exercise(world.exerciseA.id))
            #expect(stored.rubric == world.exerciseA.rubric && stored.ladder == world.exerciseA.ladder && stored.cohorts == [world.cohortA.id])
            var changed = stored
            changed.cohorts = [world.cohortA.id, world.cohortB.id]
            changed.title = "Price objection, harder"
            try await store.updateExercise(changed)
            #expect(try await store.exercise(changed.id) == changed)
            await #expect(throws: StoreError.self) { try await store.deleteExercise(world.exerciseA.id) }
            let unused = try World.exercise("Unused", cohorts: [])
            try await store.createExercise(unused)
            #expect(try await store.deleteExercise(unused.id))
            let bad = try World.exercise("Bad", cohorts: [CohortID()])
            await #expect(throws: StoreError.self) { try await store.createExercise(bad) }
            #expect(try await store.exercise(bad.id) == nil)  // the failed transaction left nothing behind
        }
    }

    @Test("submissions are numbered per learner and exercise, and paginate without gaps or repeats", arguments: TestEngine.available)
    func submissionsPaginate(engine: TestEngine) async throws {
        try await TestDatabase.withStore(engine) { store in
            let world = try await World.seed(store)
            let start = Date(timeIntervalSince1970: 1_800_000_000)
            var made: [SubmissionID] = []
            for i in 0..<23 {
                // Several share a creation time, so the cursor must break ties by id.
                let submission = try await store.createSubmission(
                    learner: world.learnerA1.id, exercise: world.exerciseA.id, scaffoldLevel: 2,
                    createdAt: start.addingTimeInterval(Double(i / 3)))
                made.append(submission.id)
                #expect(submission.attempt == i + 2)
            }
            var seen: [SubmissionID] = []
            var cursor: PageCursor?
            repeat {
                let page = try await store.submissions(
                    scope: .everything, filter: .init(learner: world.learnerA1.id), page: .init(limit: 5, after: cursor))
                #expect(page.items.count <= 5)
                seen += page.items.map(\.id)
                cursor = page.next
            } while cursor != nil
            #expect(seen.count == 24 && Set(seen).count == 24)
            #expect(Set(seen) == Set(made + [world.submissionA1.id]))
            let cursorText = try #require(try await store.submissions(scope: .everything, page: .init(limit: 1)).next?.text)
            #expect(PageCursor(cursorText) != nil)
            #expect(PageCursor("not-a-cursor") == nil)
        }
    }

    @Test("sessions expire and end on a password change; tokens are stored hashed and can be revoked", arguments: TestEngine.available)
    func credentials(engine: TestEngine) async throws {
        try await TestDatabase.withStore(engine) { store in
            let world = try await World.seed(store)
            let now = Date()
            let secret = try await store.createSession(
                for: world.learnerA1.id, expiresAt: now.addingTimeInterval(60), address: "127.0.0.1", userAgent: "test")
            #expect(try await store.sessionUser(secret: secret, now: now)?.id == world.learnerA1.id)
            #expect(try await store.sessionUser(secret: secret, now: now.addingTimeInterval(61)) == nil)
            #expect(try await store.sessionUser(secret: secret + "x", now: now) == nil)
            try await store.setPasswordHash("$2b$new", for: world.learnerA1.id)
            #expect(try await store.sessionUser(secret: secret, now: now) == nil)

            let (token, tokenSecret) = try await store.createToken(
                for: world.trainerA.id, name: "script", expiresAt: now.addingTimeInterval(3600), now: now)
            #expect(tokenSecret.hasPrefix("stg_") && tokenSecret.count > 40)
            #expect(try await store.tokenUser(secret: tokenSecret, now: now)?.id == world.trainerA.id)
            #expect(try await store.tokenUser(secret: tokenSecret, now: now.addingTimeInterval(3601)) == nil)
            let listed = try await store.tokens(of: world.trainerA.id)
            #expect(listed.map(\.id) == [token.id] && listed[0].lastUsedAt != nil)
            #expect(try await store.revokeToken(id: token.id, of: world.trainerB.id) == false)  // not theirs
            #expect(try await store.revokeToken(id: token.id, of: world.trainerA.id))
            #expect(try await store.tokenUser(secret: tokenSecret, now: now) == nil)
            #expect(try await store.tokens(of: world.trainerA.id).first?.revokedAt != nil)
        }
    }

    @Test("every list holds exactly what the access policy lets each person view", arguments: TestEngine.available)
    func listsFollowThePolicy(engine: TestEngine) async throws {
        try await TestDatabase.withStore(engine) { store in
            let world = try await World.seed(store)
            // A1's attempts for each audience, each shared with A2 as if a peer had been assigned:
            // the lists must still keep a private take from everyone and a trainers-only one from A2.
            var takes: [Audience: SubmissionID] = [:]
            for audience in [Audience.onlyMe, .trainers, .cohort] {
                let made = try await store.createSubmission(
                    learner: world.learnerA1.id, exercise: world.exerciseA.id, scaffoldLevel: 0, status: .ready, audience: audience)
                try await store.share(made.id, with: world.learnerA2.id)
                takes[audience] = made.id
            }
            let all = PageRequest(limit: 200)
            let allUsers = try await store.users(scope: .everything, page: all).items
            let allCohorts = try await store.cohorts(scope: .everything, page: all).items
            let allExercises = try await store.exercises(scope: .everything, page: all).items
            let allSubmissions = try await store.submissions(scope: .everything, page: all).items
            #expect(allUsers.count == 8 && allCohorts.count == 2 && allExercises.count == 2 && allSubmissions.count == 6)
            for user in world.users {
                let actor = try await store.actor(for: user)
                let scope = AccessPolicy.listScope(for: actor)
                func visible(_ resource: Resource) -> Bool { AccessPolicy.decide(actor, .view, resource) == .allow }

                var expectedUsers: Set<UserID> = []
                for other in allUsers where visible(.user(other, memberships: try await store.memberships(of: other.id))) {
                    expectedUsers.insert(other.id)
                }
                #expect(Set(try await store.users(scope: scope, page: all).items.map(\.id)) == expectedUsers, "users for \(user.displayName)")
                #expect(
                    Set(try await store.cohorts(scope: scope, page: all).items.map(\.id))
                        == Set(allCohorts.filter { visible(.cohort($0)) }.map(\.id)),
                    "cohorts for \(user.displayName)")
                #expect(
                    Set(try await store.exercises(scope: scope, page: all).items.map(\.id))
                        == Set(allExercises.filter { visible(.exercise($0)) }.map(\.id)),
                    "exercises for \(user.displayName)")
                var expectedSubmissions: Set<SubmissionID> = []
                for listed in allSubmissions {
                    let submission = try #require(try await store.submission(listed.id))
                    let exercise = try #require(try await store.exercise(submission.exerciseID))
                    let learnerMemberships = try await store.memberships(of: submission.learnerID)
                    if visible(.submission(submission, exercise: exercise, learnerMemberships: learnerMemberships)) {
                        expectedSubmissions.insert(submission.id)
                    }
                }
                #expect(
                    Set(try await store.submissions(scope: scope, page: all).items.map(\.id)) == expectedSubmissions,
                    "submissions for \(user.displayName)")
                for cohort in allCohorts {
                    let members = try await store.members(of: cohort.id, scope: scope).map(\.membership)
                    let everyone = try await store.members(of: cohort.id, scope: .everything).map(\.membership)
                    #expect(Set(members) == Set(everyone.filter { visible(.membership($0)) }), "members of \(cohort.name) for \(user.displayName)")
                }
            }
            // Spot checks that the policy itself says what the product promises.
            let trainerA = AccessPolicy.listScope(for: try await store.actor(for: world.trainerA))
            #expect(
                Set(try await store.submissions(scope: trainerA, page: all).items.map(\.id))
                    == [world.submissionA1.id, world.submissionA2.id, takes[.trainers]!, takes[.cohort]!])
            let peer = AccessPolicy.listScope(for: try await store.actor(for: world.learnerA2))
            #expect(
                Set(try await store.submissions(scope: peer, page: all).items.map(\.id))
                    == [world.submissionA1.id, world.submissionA2.id, takes[.cohort]!])
            let outsider = AccessPolicy.listScope(for: try await store.actor(for: world.outsider))
            #expect(try await store.submissions(scope: outsider, page: all).items.isEmpty)
        }
    }
}
