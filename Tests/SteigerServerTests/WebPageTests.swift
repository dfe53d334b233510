import Foundation
import HTTPTypes
import SteigerCore
import SteigerStore
import SteigerTestSupport
import Testing

@testable import SteigerServer

@Suite("Web pages in process")
struct WebPageTests {
    @Test("form bodies decode, and broken escapes are left out instead of failing")
    func formFields() {
        #expect(
            WebPages.formFields("email=lea%40example.org&password=a+b%21&_csrf=t") == ["email": "lea@example.org", "password": "a b!", "_csrf": "t"])
        #expect(WebPages.formFields("a=%zz&b=%&c&=x&a=2") == ["c": "", "": "x", "a": "2"])
        #expect(WebPages.formFields("") == [:])
    }

    @Test("pages carry the security headers; a forged or hostile sign-in form is refused, never a crash", arguments: [TestEngine.sqlite])
    func signIn(engine: TestEngine) async throws {
        try await TestServer.with(engine) { server in
            let page = try await server.request(.get, "/login")
            #expect(page.status == 200 && page.body.contains("name=\"_csrf\""))
            #expect(page.headers[HTTPField.Name("Content-Security-Policy")!]?.contains("script-src 'self'") == true)
            let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
            for body in ["email=%&password=%zz", "%%%%", String(repeating: "a=b&", count: 20_000)] {
                let reply = try await server.request(.post, "/login", body: body, headers: form)
                #expect([403, 413].contains(reply.status))
            }
            // With the form's own token, hostile fields reach the handler: a NUL or a broken escape is
            // dropped, so the sign-in simply fails.
            let cookie = try #require(page.headers[.setCookie]?.split(separator: ";").first.map(String.init))
            let token = try #require(page.body.components(separatedBy: "name=\"_csrf\" value=\"").dropFirst().first?.split(separator: "\"").first)
            for body in ["email=\(server.world.learnerA1.email)%00&password=\(World.password)", "email=%zz&password=%", "password=a&password=b"] {
                let reply = try await server.request(.post, "/login", cookie: cookie, body: "_csrf=\(token)&" + body, headers: form)
                #expect(reply.status == 401 && reply.body.contains("login-error"))
            }
            let good = try await server.request(
                .post, "/login", cookie: cookie,
                body: "_csrf=\(token)&email=\(server.world.learnerA1.email)&password=\(World.password)", headers: form)
            #expect(good.status == 303 && good.headers[.location] == "/learn")
            #expect(try await server.request(.get, "/learn").headers[.location] == "/login")
            #expect(try await server.request(.get, "/learn/exercises/\(server.world.exerciseA.id)").status == 303)
        }
    }
}
