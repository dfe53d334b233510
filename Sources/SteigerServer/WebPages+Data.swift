import Foundation
import Hummingbird
import SteigerApp
import SteigerCore

/// A person's page about their data: ask for all of it as one archive, see where the requests
/// are, and download a ready one (once).
extension WebPages {
    func registerData(signedIn: RouterGroup<AppContext>) {
        signedIn.get("/settings/data") { request, context in try await pages(request, context).dataPage(message: nil) }
        signedIn.post("/settings/data") { request, context in try await pages(request, context).requestData(request, context) }
    }

    private func dataPage(message: String?) async throws -> Response {
        let (actor, secret) = try signedIn()
        let exports = try await app.exports.list(actor)
        return try html(
            "my-data", title: words.text("myDataTitle"), actor: actor, secret: secret,
            [
                "message": message.map { $0 as Any } ?? false, "hasExports": !exports.isEmpty,
                "exports": exports.map { export -> [String: Any] in
                    [
                        "requested": words.dateTime(export.createdAt), "state": exportState(export),
                        "download": export.status == .ready ? "/api/v1/me/exports/\(export.id)/download" as Any : false,
                    ]
                },
            ])
    }

    /// Where a request is, in words.
    func exportState(_ export: DataExport) -> String {
        switch export.status {
        case .queued, .making: words.text("exportStatus.making")
        case .ready:
            words.text(
                "exportStatus.ready", ["until": .dateTime(export.expiresAt ?? export.createdAt), "size": .text(words.bytes(export.size ?? 0))])
        case .downloaded: words.text("exportStatus.downloaded", ["date": .dateTime(export.downloadedAt ?? export.createdAt)])
        case .expired: words.text("exportStatus.expired")
        case .failed: words.text("exportStatus.failed")
        }
    }

    private func requestData(_ request: Request, _ context: AppContext) async throws -> Response {
        var request = request
        let form = try await Self.form(&request, context)
        let (actor, secret) = try signedIn()
        try requireToken(form, session: secret)
        _ = try await app.exports.request(actor)
        return try await dataPage(message: words.text("myDataAsked"))
    }
}
