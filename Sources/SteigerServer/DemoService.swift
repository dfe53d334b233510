import Foundation
import Logging
import ServiceLifecycle
import SteigerApp
import SteigerCore

/// Keeps the sample programme going: loads it at start when asked (and says how to sign in),
/// and has its trainer review the first attempts once processing has made them ready.
struct DemoService: Service {
    let demo: Demo
    let programmes: [Language: Demo.Programme]
    let video: String
    let loadAtStart: Language?
    let credentialsFile: String
    let logger: Logger

    func run() async throws {
        if let language = loadAtStart, let programme = programmes[language] {
            do {
                if let made = try await demo.load(programme, language: language, video: video) {
                    let text = """
                        Sample programme loaded. Sign in with password \(made.password) as
                          trainer: \(made.trainer)
                          learners: \(made.learners.joined(separator: ", "))
                        Remove it in one step on the administration page.

                        """
                    try? text.write(toFile: credentialsFile, atomically: true, encoding: .utf8)
                    print(text, terminator: "")
                    fflush(nil)
                }
            } catch {
                logger.error("the sample programme could not be loaded", metadata: ["error": .string("\(error)")])
            }
        }
        // Until the service stops.
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                if let language = try? await demo.loaded(), let programme = programmes[language] {
                    do {
                        try await demo.reviewReadyAttempts(programme)
                    } catch {
                        logger.warning("the sample programme's reviews wait", metadata: ["error": .string("\(error)")])
                    }
                }
                try await Task.sleep(for: .seconds(2))
            }
        }
    }
}
