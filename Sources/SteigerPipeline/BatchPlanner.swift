import Foundation
public import SteigerMedia

/// Plans a batch transcode: finds the files, probes each, and decides per file what to do.
///
/// Folders are walked recursively (hidden files and unfinished `.partial-` files are left
/// out, and so is the output folder when it lies inside a source folder). Each rendition
/// goes under the output folder at the same relative path, with the extension of its
/// container; a rendition that already exists and reads back is done, so a rerun skips it.
public enum BatchPlanner {
    /// Plans the conversion of `sources` (files or folders) into `outputDirectory`.
    public static func plan(
        sources: [String], outputDirectory: String, options: TranscodeOptions = TranscodeOptions(),
        limits: InputLimits = .default
    ) -> [BatchItem] {
        let outputRoot = URL(fileURLWithPath: outputDirectory).standardizedFileURL.path
        var files: [(path: String, relative: String)] = []
        for source in sources {
            let root = URL(fileURLWithPath: source).standardizedFileURL.path
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory) else {
                files.append((root, (root as NSString).lastPathComponent))
                continue
            }
            if !isDirectory.boolValue {
                files.append((root, (root as NSString).lastPathComponent))
                continue
            }
            let base = (root as NSString).lastPathComponent
            // Leave out the output folder only when it lies inside this source folder.
            let excluded = outputRoot.hasPrefix(root + "/") ? outputRoot : nil
            var found: [String] = []
            if let walker = FileManager.default.enumerator(atPath: root) {
                while let relative = walker.nextObject() as? String {
                    let full = root + "/" + relative
                    let name = (relative as NSString).lastPathComponent
                    if name.hasPrefix(".") || name.contains(".partial-") || excluded.map({ full == $0 || full.hasPrefix($0 + "/") }) == true {
                        if (walker.fileAttributes?[.type] as? FileAttributeType) == .typeDirectory { walker.skipDescendants() }
                        continue
                    }
                    if (walker.fileAttributes?[.type] as? FileAttributeType) == .typeRegular { found.append(relative) }
                }
            }
            for relative in found.sorted() { files.append((root + "/" + relative, base + "/" + relative)) }
        }

        var taken = Set<String>()
        var items: [BatchItem] = []
        for file in files {
            let bytes = ((try? FileManager.default.attributesOfItem(atPath: file.path))?[.size] as? NSNumber)?.int64Value ?? 0
            let info: MediaInfo
            do {
                info = try MediaProbe.probe(path: file.path, limits: limits)
            } catch {
                var item = BatchItem(source: file.path, output: nil, action: .failed, reason: error.message, bytes: bytes)
                if error.code == .notMedia || error.code == .unsupportedContainer || error.code == .emptyFile {
                    item.action = .skipped
                    item.reason = "not a recording: " + error.message
                }
                item.errorCode = error.code.description
                items.append(item)
                continue
            }
            if info.video == nil, info.audio == nil {
                var item = BatchItem(
                    source: file.path, output: nil, action: .skipped,
                    reason: "not a recording: no picture or sound", bytes: bytes, input: info)
                item.errorCode = MediaError.Code.notMedia.description
                items.append(item)
                continue
            }
            let plan = TranscodePlan.decide(for: info, options: options)
            let stem = (file.relative as NSString).deletingPathExtension
            var output = outputRoot + "/" + stem + "." + plan.fileExtension
            if taken.contains(output) {
                // Two sources with one name (talk.avi and talk.mov): keep the source's extension,
                // then count until the name is free.
                output = outputRoot + "/" + file.relative + "." + plan.fileExtension
                var counter = 2
                while taken.contains(output) {
                    output = outputRoot + "/" + stem + "-\(counter)." + plan.fileExtension
                    counter += 1
                }
            }
            taken.insert(output)
            if output == file.path {
                var item = BatchItem(
                    source: file.path, output: nil, action: .failed,
                    reason: "The rendition would replace the source itself; choose an output folder outside the sources.", bytes: bytes, input: info)
                item.errorCode = MediaError.Code.invalidRequest.description
                items.append(item)
                continue
            }
            var item = BatchItem(
                source: file.path, output: output, action: plan.action == .remux ? .remux : .transcode,
                reason: plan.reasons.isEmpty ? nil : plan.reasons.joined(separator: "; "), bytes: bytes, input: info)
            if FileManager.default.fileExists(atPath: output), let done = try? MediaProbe.probe(path: output, limits: limits),
                done.video != nil || done.audio != nil
            {
                item.action = .skipped
                item.reason = "already done"
                item.result = done
            }
            items.append(item)
        }
        return items
    }
}
