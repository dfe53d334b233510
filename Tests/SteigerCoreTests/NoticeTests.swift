import Foundation
import SteigerCore
import Testing

@Suite("Notices: links, quiet hours and digest times in the person's time zone")
struct NoticeTests {
    func at(_ text: String) -> Date { try! Date(text, strategy: .iso8601) }

    @Test("a notice links to the page it is about, and never off this site")
    func links() throws {
        let submission = UUID(), task = UUID(), comment = UUID()
        func link(_ kind: NoticeKind, _ subjects: [String: String]) -> String {
            Notice(recipient: UserID(), kind: kind, eventID: nil, subjects: subjects, createdAt: Date()).link
        }
        let sub = UUIDText.lowercase(submission)
        #expect(link(.feedbackReady, ["submission": sub]) == "/learn/submissions/\(sub)")
        #expect(
            link(.commentReply, ["submission": sub, "comment": UUIDText.lowercase(comment)])
                == "/learn/submissions/\(sub)#comment-\(UUIDText.lowercase(comment))")
        #expect(link(.reviewDueSoon, ["task": UUIDText.lowercase(task)]) == "/review/\(UUIDText.lowercase(task))")
        // A subject that is not an id falls back to the section's page.
        #expect(link(.feedbackReady, ["submission": "//evil.example"]) == "/learn")
        #expect(link(.reviewAssigned, [:]) == "/train")
    }

    @Test("quiet hours hold mail until they end, across midnight and summer time")
    func quietHours() throws {
        let settings = NoticeSettings(timeZone: "Europe/Amsterdam", digestHour: 8, quietStart: 22, quietEnd: 7)
        // 23:30 in Amsterdam (summer: UTC+2) is quiet; the mail waits until 07:00 local, 05:00 UTC.
        #expect(settings.isQuiet(at: at("2026-05-03T21:30:00Z")))
        #expect(settings.afterQuietHours(at("2026-05-03T21:30:00Z")) == at("2026-05-04T05:00:00Z"))
        // 12:00 local is not quiet: sent at once.
        #expect(settings.afterQuietHours(at("2026-05-03T10:00:00Z")) == at("2026-05-03T10:00:00Z"))
        // The same hour twice: no quiet hours.
        #expect(!NoticeSettings(quietStart: 9, quietEnd: 9).isQuiet(at: at("2026-05-03T09:30:00Z")))
        // Quiet hours within a day (13–14 UTC).
        let lunch = NoticeSettings(quietStart: 13, quietEnd: 14)
        #expect(lunch.isQuiet(at: at("2026-05-03T13:10:00Z")) && !lunch.isQuiet(at: at("2026-05-03T14:00:00Z")))
    }

    @Test("the daily digest goes out at the person's local hour, also on the days the clocks change")
    func digests() throws {
        let settings = NoticeSettings(timeZone: "Europe/Amsterdam", digestHour: 8)
        #expect(settings.nextDigest(after: at("2026-05-03T06:00:00Z")) == at("2026-05-04T06:00:00Z"))
        #expect(settings.nextDigest(after: at("2026-05-03T05:59:00Z")) == at("2026-05-03T06:00:00Z"))
        // The last Sunday of October the clocks go back: 08:00 is then 07:00 UTC.
        #expect(settings.nextDigest(after: at("2026-10-24T06:00:00Z")) == at("2026-10-25T07:00:00Z"))
        // An unknown zone reads as UTC and is refused when saved.
        #expect(NoticeSettings(timeZone: "Mars/Olympus").zone.secondsFromGMT(for: Date()) == 0)
        #expect(throws: ValidationError.self) { try NoticeSettings(timeZone: "Mars/Olympus").validate() }
        #expect(throws: ValidationError.self) { try NoticeSettings(digestHour: 24).validate() }
    }
}
