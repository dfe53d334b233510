import Foundation
import Hummingbird
import SteigerApp
import SteigerCore

/// The media library's page: the videos with their poster, length and state; adding one
/// (through the API, by `library.js`) and removing one.
extension WebPages {
    func registerLibrary(signedIn: RouterGroup<AppContext>) {
        signedIn.get("/library") { request, context in try await pages(request, context).libraryPage(request, context) }
    }

    private func kindName(_ kind: MediaItem.Kind) -> String {
        switch kind {
        case .model: words.text("libraryKindModel")
        case .stimulus: words.text("libraryKindStimulus")
        }
    }

    private func libraryPage(_ request: Request, _ context: AppContext) async throws -> Response {
        let (actor, secret) = try signedIn()
        let items = try await app.mediaLibrary.items(actor)
        let rows: [[String: Any]] = items.map { item in
            var state: String
            switch item.status {
            case .processing: state = words.text("libraryProcessing")
            case .ready: state = words.text("libraryReady")
            case .failed: state = words.text("libraryFailed", ["reason": .text(item.failureReason.map(words.format(stored:)) ?? "")])
            }
            if let milliseconds = item.durationMilliseconds, item.status == .ready { state += " · " + Self.clock(milliseconds / 1000) }
            return [
                "id": item.id.description, "title": item.title, "kind": kindName(item.kind), "state": state, "ready": item.status == .ready,
                "processing": item.status == .processing, "added": words.dateTime(item.createdAt),
            ]
        }
        return try html(
            "library", title: words.text("library"), actor: actor, secret: secret,
            [
                "items": rows, "processing": items.contains { $0.status == .processing }, "adminText": adminText,
                "kinds": MediaItem.Kind.allCases.map { ["value": $0.rawValue, "name": kindName($0)] },
                "libraryText": try Self.json(
                    words.messages.filter { $0.key.hasPrefix("library") || $0.key.hasPrefix("upload") || $0.key == "failed" }),
            ])
    }
}
