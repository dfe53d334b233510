import Foundation
import SteigerCore

/// The server's catalogues, read from the source tree: the texts the scaffolding sentences and
/// validation messages are written with.
enum Catalogues {
    static func load(_ language: Language) -> [String: String] {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/SteigerServer/Web/messages/\(language.rawValue).json")
        return (try? Localizer.catalogue(Data(contentsOf: file))) ?? [:]
    }

    static let english = Localizer(language: .en, messages: load(.en))
    static let dutch = Localizer(language: .nl, messages: load(.nl), fallback: load(.en))
}
