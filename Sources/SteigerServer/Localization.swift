import Hummingbird
import SteigerApp
import SteigerCore

/// The catalogues of every language and the rule that picks one for a request: the person's own
/// setting (applied once they are known: API authentication, web pages), else the language they
/// picked on a page before signing in (a cookie), else the browser's `Accept-Language`, else the
/// server's default (`--default-language`).
struct Localization: Sendable {
    /// The language when nothing else decides.
    let defaultLanguage: Language
    private let localizers: [Language: Localizer]
    /// The cookie that keeps the choice made with a page's language switch.
    static let cookie = "steiger_lang"

    /// Localizers over `catalogues`; English fills in what another catalogue lacks.
    init(catalogues: [Language: [String: String]], defaultLanguage: Language) {
        self.defaultLanguage = defaultLanguage
        let english = catalogues[.en] ?? [:]
        localizers = Dictionary(
            uniqueKeysWithValues: Language.allCases.map { language in
                (language, Localizer(language: language, messages: catalogues[language] ?? [:], fallback: english))
            })
    }

    /// The localizer of `language`.
    func words(_ language: Language) -> Localizer {
        localizers[language] ?? Localizer(language: language, messages: [:])
    }

    /// The language for `request` before the person is known.
    func language(for request: Request) -> Language {
        request.cookies[Self.cookie].flatMap { Language(code: $0.value) }
            ?? Language.preferred(acceptLanguage: request.headers[.acceptLanguage])
            ?? defaultLanguage
    }
}

extension Localizer {
    /// English, for the command line, which speaks English whatever the server's default language.
    static var english: Localizer {
        (try? WebResources.catalogue(.en, in: WebResources.directory())).map { Localizer(language: .en, messages: $0) } ?? AppContext.untranslated
    }
}

extension ValidationError {
    /// The problems in English, one per line (`email must be an email address …`), for the command line.
    public var english: String {
        let words = Localizer.english
        return problems.map { "\($0.field) \(words.format($0.message))" }.joined(separator: "\n")
    }
}

extension AppError {
    /// What went wrong in English, for the command line: the kind of answer (`conflict`), then
    /// the text, then the problems by field.
    public var english: String {
        let words = Localizer.english
        let label = kind.status == 409 ? "conflict" : kind.status == 404 ? "not found" : "refused"
        return ([label + ": " + words.format(message)] + errors.map { "\($0.field) \(words.format($0.message))" }).joined(separator: "\n")
    }
}
