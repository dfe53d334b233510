import Foundation
import NIOCore
import SteigerCore
import SteigerStore

/// The sample programme: a cohort with a trainer and three learners, an exercise whose model
/// video is in the media library, an attempt by each learner, two of them reviewed by the
/// trainer once processed — to try Steiger with, and removed again in one step.
public struct Demo: Sendable {
    let store: Store
    let accounts: Accounts
    let uploads: Uploads
    let reviewDesk: ReviewDesk
    let annotations: Annotations
    let now: @Sendable () -> Date

    /// What the programme says, in one language: names, the exercise and the trainer's words.
    public struct Programme: Sendable {
        public var cohort: String
        public var trainer: String
        public var learners: [String]
        public var videoTitle: String
        public var title: String
        public var instructions: String
        public var skillName: String
        public var rubric: Rubric
        public var ladder: ScaffoldLadder
        /// The trainer's comment at a moment of each reviewed attempt, and their overall comment.
        public var comment: String
        public var reviewComment: String

        public init(
            cohort: String, trainer: String, learners: [String], videoTitle: String, title: String, instructions: String, skillName: String,
            rubric: Rubric, ladder: ScaffoldLadder, comment: String, reviewComment: String
        ) {
            self.cohort = cohort
            self.trainer = trainer
            self.learners = learners
            self.videoTitle = videoTitle
            self.title = title
            self.instructions = instructions
            self.skillName = skillName
            self.rubric = rubric
            self.ladder = ladder
            self.comment = comment
            self.reviewComment = reviewComment
        }
    }

    /// The accounts made, to sign in with: one password for all.
    public struct Credentials: Sendable {
        public var trainer: String
        public var learners: [String]
        public var password: String
    }

    /// How many attempts the trainer reviews.
    static let reviewed = 2

    /// Whether the sample programme is there, and in which language.
    public func loaded() async throws -> Language? {
        let records = try await store.demoRecords()
        return records.isEmpty ? nil : records.language.flatMap(Language.init(rawValue:)) ?? .en
    }

    /// Loads the programme with `video` (a file on this machine) as its model video and each
    /// learner's attempt. Nothing happens when it is there already (nil).
    public func load(_ programme: Programme, language: Language, video: String) async throws -> Credentials? {
        guard try await store.demoRecords().isEmpty else { return nil }
        try await store.recordDemo("language", language.rawValue, now: now())
        let password = Accounts.generatePassword()
        let stamp = String(UUIDText.lowercase(UUID()).prefix(6))
        let address = { (name: String) in "\(Slug.derive(from: name))-\(stamp)@demo.steiger.invalid" }
        func person(_ name: String, _ role: Role) async throws -> User {
            let user = try await accounts.createUser(email: address(name), displayName: name, roles: [role], password: password, now: now())
            try await store.recordDemo("user", user.id.description, now: now())
            return user
        }
        let trainer = try await person(programme.trainer, .trainer)
        var learners: [User] = []
        for name in programme.learners { learners.append(try await person(name, .learner)) }
        let cohort = try Cohort(name: programme.cohort, createdAt: now())
        try await store.createCohort(cohort)
        try await store.recordDemo("cohort", cohort.id.description, now: now())
        try await store.putMembership(Membership(cohortID: cohort.id, userID: trainer.id, part: .trainer))
        for learner in learners { try await store.putMembership(Membership(cohortID: cohort.id, userID: learner.id, part: .learner)) }
        let actor = { (user: User) in
            Actor(user: user, memberships: [Membership(cohortID: cohort.id, userID: user.id, part: user.has(.trainer) ? .trainer : .learner)])
        }

        let bytes = try Data(contentsOf: URL(fileURLWithPath: video))
        let item = try await uploads.receiveLibraryItem(
            actor(trainer), title: programme.videoTitle, kind: .model, fileName: (video as NSString).lastPathComponent,
            declared: Int64(bytes.count), body: Self.body(bytes))
        try await store.recordDemo("mediaItem", item.id.description, now: now())
        // Every model video of the ladder is the library's; the top level shows one in any case.
        var levels = programme.ladder.levels.map { level in
            var level = level
            level.supports = level.supports.map { if case .modelVideo = $0 { .modelVideo(item.reference) } else { $0 } }
            return level
        }
        if let top = levels.indices.last, !levels[top].supports.contains(where: { $0.mediaItem != nil }) {
            levels[top].supports.insert(.modelVideo(item.reference), at: 0)
        }
        let ladder = try ScaffoldLadder(levels: levels)
        let exercise = try Exercise(
            title: programme.title, instructions: programme.instructions, skillKey: "demo-" + Slug.derive(from: programme.skillName),
            skillName: programme.skillName, rubric: programme.rubric, ladder: ladder, cohorts: [cohort.id], createdAt: now())
        try await store.createExercise(exercise)
        try await store.recordDemo("exercise", exercise.id.description, now: now())
        for learner in learners {
            let attempt = try await uploads.receive(
                actor(learner), exercise: exercise.id, fileName: "attempt.mp4", declared: Int64(bytes.count), body: Self.body(bytes))
            try await store.recordDemo("submission", attempt.id.description, now: now())
        }
        return Credentials(trainer: trainer.email, learners: learners.map(\.email), password: password)
    }

    /// Has the trainer review the first attempts of the programme once they are processed (the
    /// first scored high, the next lower), each with a comment at a moment. - Returns: how many
    /// of them are reviewed now, so a caller knows when to stop looking.
    @discardableResult
    public func reviewReadyAttempts(_ programme: Programme) async throws -> Int {
        let records = try await store.demoRecords()
        var trainer: User?
        for id in records.users where trainer == nil {
            if let user = try await store.user(id), user.has(.trainer) { trainer = user }
        }
        guard let trainer else { return 0 }
        let actor = Actor(user: trainer, memberships: try await store.memberships(of: trainer.id))
        var done = 0
        for (index, id) in records.submissions.prefix(Self.reviewed).enumerated() {
            guard let submission = try await store.submission(id) else { continue }
            if submission.status == .reviewed {
                done += 1
                continue
            }
            guard submission.status == .ready, let exercise = try await store.exercise(submission.exerciseID) else { continue }
            let task = try await reviewDesk.open(actor, attempt: id)
            _ = try await annotations.add(
                actor, to: id, Annotations.Draft(at: 1000, text: programme.comment, tag: exercise.review.tags.first))
            // The first attempt scores the top of each scale, the next the middle.
            let scores = Dictionary(
                uniqueKeysWithValues: exercise.rubric.criteria.map { criterion in
                    let values = criterion.scale.map(\.value).sorted()
                    return (criterion.key, index == 0 ? values[values.count - 1] : values[values.count / 2])
                })
            _ = try await reviewDesk.submit(actor, task.id, scores: scores, comment: programme.reviewComment)
            done += 1
        }
        return done
    }

    /// Removes the sample programme and everything made in it (administrators).
    public func remove(_ actor: Actor) async throws {
        try AccessPolicy.require(actor, .delete, .administration, .cohort)
        try await store.removeDemo()
    }

    private static func body(_ bytes: Data) -> AsyncThrowingStream<ByteBuffer, any Error> {
        AsyncThrowingStream { continuation in
            continuation.yield(ByteBuffer(bytes: bytes))
            continuation.finish()
        }
    }
}
