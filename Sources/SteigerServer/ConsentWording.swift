import SteigerCore

extension Localizer {
    /// The sentence a learner agrees to when sharing an attempt in the cohort's library, with or
    /// without its feedback; recorded with the consent in the language they read it in.
    func consentWording(withFeedback: Bool) -> String {
        withFeedback ? text("consent.library") + " " + text("consent.feedback") : text("consent.library")
    }
}
