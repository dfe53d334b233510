import Foundation
import HTTPTypes
import SteigerCore
import SteigerStore
import SteigerTestSupport
import Testing

@testable import SteigerServer

@Suite("Web pages in process")
struct WebPageTests {
    @Test("form bodies decode; broken escapes and U+0000 are a bad request, never a crash")
    func formFields() throws {
        #expect(
            try WebPages.formFields("email=lea%40example.org&password=a+b%21&_csrf=t") == [
                "email": "lea@example.org", "password": "a b!", "_csrf": "t",
            ])
        #expect(try WebPages.formFields("") == [:])
        #expect(throws: Problem.self) { try WebPages.formFields("a=%zz&b=1") }
        #expect(throws: Problem.self) { try WebPages.formFields("a=x%00y") }
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
                #expect([400, 403, 413].contains(reply.status), "\(body.prefix(20))")
            }
            // With the form's own token too, a NUL, a broken escape or a field given twice is a bad
            // request, answered with the error page; nobody is signed in.
            let cookie = try #require(page.headers[.setCookie]?.split(separator: ";").first.map(String.init))
            let token = try #require(page.body.components(separatedBy: "name=\"_csrf\" value=\"").dropFirst().first?.split(separator: "\"").first)
            for body in ["email=\(server.world.learnerA1.email)%00&password=\(World.password)", "email=%zz&password=%", "password=a&password=b"] {
                let reply = try await server.request(.post, "/login", cookie: cookie, body: "_csrf=\(token)&" + body, headers: form)
                #expect(reply.status == 400 && reply.headers[.setCookie] == nil, "\(body)")
                #expect(reply.body.contains("<html lang=\"en\">"), "an error page")
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
