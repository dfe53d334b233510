import Foundation

/// A submission's annotations in standard forms: WebVTT (for players) and a W3C Web Annotation
/// collection (JSON-LD, Media Fragments selectors), for other tools.
public enum AnnotationExport {
    /// How long a cue for a point comment lasts, in milliseconds.
    public static let pointCueLength = 3000

    /// A WebVTT document with one cue per live top-level comment (replies folded into their
    /// comment's cue), in time order. A point comment shows for three seconds (less at the end).
    public static func webVTT(_ annotations: [Annotation], durationMilliseconds: Int?, name: (UserID) -> String) -> String {
        let replies = Dictionary(grouping: annotations.filter { $0.parentID != nil && !$0.isDeleted }, by: { $0.parentID! })
        let comments = annotations.filter { $0.parentID == nil && !$0.isDeleted && $0.span != nil }
            .sorted { ($0.span!.start, $0.createdAt) < ($1.span!.start, $1.createdAt) }
        var lines = ["WEBVTT", ""]
        for (index, comment) in comments.enumerated() {
            let (start, end): (Int, Int) =
                switch comment.span! {
                case .point(let at): (at, durationMilliseconds.map { min(at + pointCueLength, max($0, at + 1)) } ?? at + pointCueLength)
                case .range(let from, let to): (from, to)
                }
            lines.append("c\(index + 1)")
            lines.append("\(timestamp(start)) --> \(timestamp(end))")
            let tag = comment.tag.map { "[\($0)] " } ?? ""
            lines.append(cueText("\(tag)\(name(comment.authorID)): \(comment.text)"))
            for reply in (replies[comment.id] ?? []).sorted(by: { $0.createdAt < $1.createdAt }) {
                lines.append(cueText("↳ \(name(reply.authorID)): \(reply.text)"))
            }
            lines.append("")
        }
        return lines.joined(separator: "\n")
    }

    /// `hh:mm:ss.mmm`.
    static func timestamp(_ milliseconds: Int) -> String {
        let ms = max(milliseconds, 0)
        return String(format: "%02d:%02d:%02d.%03d", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000)
    }

    /// Cue text: no blank lines (they end a cue), no "-->", markup characters escaped.
    static func cueText(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .split(whereSeparator: \.isNewline).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }.joined(separator: "\n")
    }

    /// A W3C Web Annotation collection with one page holding every live annotation: comments
    /// target the video with a Media Fragments selector (`t=12.5,18`), replies target their comment.
    public static func webAnnotations(
        _ annotations: [Annotation], collectionID: String, videoURL: String, annotationURL: (AnnotationID) -> String,
        name: (UserID) -> String
    ) -> WebAnnotationCollection {
        let live = annotations.filter { !$0.isDeleted }.sorted {
            ($0.span?.start ?? Int.max, $0.createdAt) < ($1.span?.start ?? Int.max, $1.createdAt)
        }
        let items = live.compactMap { annotation -> WebAnnotation? in
            var bodies = [
                WebAnnotation.Body(
                    type: "TextualBody", value: annotation.text, format: "text/plain",
                    purpose: annotation.parentID == nil ? "commenting" : "replying")
            ]
            if let tag = annotation.tag { bodies.append(.init(type: "TextualBody", value: tag, format: nil, purpose: "tagging")) }
            if let criterion = annotation.criterion {
                bodies.append(.init(type: "TextualBody", value: criterion, format: nil, purpose: "classifying"))
            }
            let target: WebAnnotation.Target
            if let parent = annotation.parentID {
                target = .init(source: annotationURL(parent), selector: nil)
            } else if let span = annotation.span {
                target = .init(
                    source: videoURL,
                    selector: .init(
                        type: "FragmentSelector", conformsTo: "http://www.w3.org/TR/media-frags/",
                        value: fragment(span)))
            } else {
                return nil
            }
            return WebAnnotation(
                id: annotationURL(annotation.id), type: "Annotation", motivation: annotation.parentID == nil ? "commenting" : "replying",
                created: annotation.createdAt, modified: annotation.editedAt,
                creator: .init(id: nil, type: "Person", name: name(annotation.authorID)), body: bodies, target: target)
        }
        return WebAnnotationCollection(
            context: "http://www.w3.org/ns/anno.jsonld", id: collectionID, type: "AnnotationCollection",
            total: items.count, first: .init(type: "AnnotationPage", startIndex: 0, items: items))
    }

    /// `t=12.5` for a point, `t=12.5,18` for a range (seconds, Media Fragments NPT).
    public static func fragment(_ span: Annotation.Span) -> String {
        func seconds(_ ms: Int) -> String {
            let text = String(format: "%.3f", Double(ms) / 1000)
            var trimmed = text
            while trimmed.hasSuffix("0") { trimmed.removeLast() }
            if trimmed.hasSuffix(".") { trimmed.removeLast() }
            return trimmed
        }
        return switch span {
        case .point(let at): "t=\(seconds(at))"
        case .range(let from, let to): "t=\(seconds(from)),\(seconds(to))"
        }
    }
}

/// A W3C Web Annotation (https://www.w3.org/TR/annotation-model/).
public struct WebAnnotation: Codable, Sendable, Equatable {
    public struct Body: Codable, Sendable, Equatable {
        public var type: String
        public var value: String
        public var format: String?
        public var purpose: String
    }
    public struct Selector: Codable, Sendable, Equatable {
        public var type: String
        public var conformsTo: String
        public var value: String
    }
    public struct Target: Codable, Sendable, Equatable {
        public var source: String
        public var selector: Selector?
    }
    public struct Agent: Codable, Sendable, Equatable {
        public var id: String?
        public var type: String
        public var name: String
    }
    public var id: String
    public var type: String
    public var motivation: String
    public var created: Date
    public var modified: Date?
    public var creator: Agent
    public var body: [Body]
    public var target: Target
}

/// An AnnotationCollection with its single page.
public struct WebAnnotationCollection: Codable, Sendable, Equatable {
    public struct Page: Codable, Sendable, Equatable {
        public var type: String
        public var startIndex: Int
        public var items: [WebAnnotation]
    }
    public var context: String
    public var id: String
    public var type: String
    public var total: Int
    public var first: Page

    private enum CodingKeys: String, CodingKey {
        case context = "@context", id, type, total, first
    }
}
