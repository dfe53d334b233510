import Foundation
import SteigerMedia
import Synchronization
import Testing

@testable import SteigerPipeline

/// A scratch archive: a few good recordings in nested folders, a damaged one and a note.
struct Archive {
    let root: String
    let source: String
    let output: String

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures").path

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("steiger-batch-\(UUID().uuidString)").path
        source = root + "/archive"
        output = root + "/archive/web"  // inside the source: must not be walked
        let files = [
            ("h264_aac.mkv", "2019/feedback.mkv"), ("mpeg4_mp3.avi", "2019/intake.avi"), ("h264_aac.mp4", "2020/sales-call.mp4"),
            ("rotated_90.mp4", "2020/phone/portrait.mp4"), ("mediarecorder.webm", "2021/browser.webm"),
            ("hostile/truncated.mp4", "2020/broken.mp4"), ("hostile/text.mp4", "2021/notes.mp4"),
        ]
        for (fixture, target) in files {
            let path = source + "/" + target
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: Self.fixtures + "/" + fixture, toPath: path)
        }
        try Data("hidden".utf8).write(to: URL(fileURLWithPath: source + "/.DS_Store"))
    }

    func remove() { try? FileManager.default.removeItem(atPath: root) }

    /// Every file under the output folder, relative to it.
    func outputs() -> [String] {
        (FileManager.default.enumerator(atPath: output)?.allObjects as? [String] ?? [])
            .filter {
                !$0.hasSuffix("/")
                    && (try? FileManager.default.attributesOfItem(atPath: output + "/" + $0)[.type] as? FileAttributeType) == .typeRegular
            }
            .sorted()
    }
}

@Suite("Batch transcoding")
struct BatchTests {
    @Test func planWalksFoldersAndClassifiesEveryFile() throws {
        let archive = try Archive()
        defer { archive.remove() }
        let plan = BatchPlanner.plan(sources: [archive.source], outputDirectory: archive.output)
        let byName = Dictionary(uniqueKeysWithValues: plan.map { (($0.source as NSString).lastPathComponent, $0) })
        #expect(plan.count == 7, "hidden files and the output folder are left out")
        #expect(byName["feedback.mkv"]?.action == .transcode)
        #expect(byName["intake.avi"]?.action == .transcode)
        #expect(byName["sales-call.mp4"]?.action == .remux)
        #expect(byName["portrait.mp4"]?.action == .remux)
        #expect(byName["browser.webm"]?.action == .remux)
        #expect(byName["browser.webm"]?.output?.hasSuffix("archive/2021/browser.webm") == true)
        #expect(byName["broken.mp4"]?.action == .failed)
        #expect(byName["broken.mp4"]?.errorCode == "truncated")
        #expect(byName["notes.mp4"]?.action == .skipped)
        #expect(byName["feedback.mkv"]?.output == archive.output + "/archive/2019/feedback.mp4")
    }

    @Test func interruptedRunFinishesOnRerunWithEachFileDoneOnce() throws {
        let archive = try Archive()
        defer { archive.remove() }
        // First run: stopped after the first file is finished.
        let token = CancellationToken()
        let firstPlan = BatchPlanner.plan(sources: [archive.source], outputDirectory: archive.output)
        let first = BatchRunner(items: firstPlan, jobs: 1, token: token).run { event in
            if case .finished = event { token.cancel() }
        }
        let converted = first.filter { $0.result != nil }
        #expect(converted.count == 1)
        let stopped = first.filter { $0.errorCode == "cancelled" }
        #expect(stopped.count == 4, "the other recordings are reported as not done")
        #expect(
            archive.outputs() == [converted[0].output!.replacingOccurrences(of: archive.output + "/", with: "")],
            "no half-written file is left: \(archive.outputs())")
        let firstOutput = try #require(converted[0].output)
        let firstWritten = try FileManager.default.attributesOfItem(atPath: firstOutput)[.modificationDate] as? Date

        // Second run: the finished file is skipped, the rest are done, the broken one is reported.
        let secondPlan = BatchPlanner.plan(sources: [archive.source], outputDirectory: archive.output)
        let started = Mutex<[String]>([])
        let second = BatchRunner(items: secondPlan, jobs: 2).run { event in
            if case .started(let index) = event { started.withLock { $0.append(secondPlan[index].source) } }
        }
        #expect(!started.withLock { $0 }.contains(converted[0].source), "done once")
        #expect(try FileManager.default.attributesOfItem(atPath: firstOutput)[.modificationDate] as? Date == firstWritten)
        #expect(second.filter { $0.action == .remux || $0.action == .transcode }.count == 4)
        #expect(second.first { $0.source == converted[0].source }?.action == .skipped)
        #expect(second.filter { $0.action == .failed }.map { ($0.source as NSString).lastPathComponent } == ["broken.mp4"])
        #expect(archive.outputs().filter { $0.contains(".partial-") }.isEmpty)
        #expect(archive.outputs().count == 5)

        let report = try BatchReport.write(second, to: archive.output)
        let lines = try String(contentsOfFile: report.jsonLines, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 7)
        let broken = try #require(lines.first { $0.contains("broken.mp4") })
        let object = try #require(try JSONSerialization.jsonObject(with: Data(broken.utf8)) as? [String: Any])
        #expect(object["action"] as? String == "failed")
        #expect((object["reason"] as? String)?.contains("incomplete") == true)
        let csv = try String(contentsOfFile: report.csv, encoding: .utf8).split(separator: "\n")
        #expect(csv.count == 8)
        #expect(csv[0].hasPrefix("source,output,action,seconds"))
    }

    @Test func outputFolderAroundTheSourcesAndNameClashes() throws {
        let archive = try Archive()
        defer { archive.remove() }
        // The output folder contains the source folder: the sources are still found.
        let around = BatchPlanner.plan(sources: [archive.source + "/2019"], outputDirectory: archive.root)
        #expect(around.count == 2)
        #expect(around.allSatisfy { $0.output != $0.source })
        // Three sources that would share names get three different outputs.
        let clash = archive.root + "/clash"
        for (fixture, name) in [("h264_aac.mkv", "a/b.mov.mkv"), ("mpeg4_mp3.avi", "b.mkv"), ("h264_aac.mkv", "c/b.mov")] {
            let path = clash + "/" + name
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: Archive.fixtures + "/" + fixture, toPath: path)
        }
        let files = [clash + "/a/b.mov.mkv", clash + "/b.mkv", clash + "/c/b.mov"]
        let plan = BatchPlanner.plan(sources: files, outputDirectory: archive.root + "/flat")
        let outputs = plan.compactMap(\.output)
        #expect(outputs.count == 3)
        #expect(Set(outputs).count == 3, "\(outputs)")
    }

    @Test func csvQuotesFieldsThatNeedIt() {
        let item = BatchItem(source: "/a/b, \"c\".mp4", output: nil, action: .failed, reason: "line\nbreak", bytes: 3)
        let csv = BatchReport.csv([item])
        #expect(csv.contains("\"/a/b, \"\"c\"\".mp4\""))
        #expect(csv.contains("\"line\nbreak\""))
    }
}
