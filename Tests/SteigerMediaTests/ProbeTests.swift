import Foundation
import Testing

@testable import SteigerMedia

@Suite("Probe agrees with ffprobe")
struct ProbeAgreementTests {
    @Test("every fixture", arguments: Fixture.media)
    func agreesWithFFprobe(_ name: String) throws {
        let path = Fixture.path(name)
        let ours = try MediaProbe.probe(path: path)
        let reference = try ReferenceProbe(path)

        #expect(ours.container.formatName == reference.format["format_name"] as? String)
        #expect(ours.container.size == Int64(reference.format["size"] as? String ?? ""))
        #expect(ours.streams.count == reference.streams.count)

        // Duration within one frame (a 25 fps frame when there is no video).
        let fps = ours.video.flatMap { rationalValue($0.averageFrameRate) } ?? 25
        let expectedDuration = try reference.duration ?? ReferenceProbe.packetEnd(path)
        let duration = try #require(ours.container.duration)
        #expect(abs(duration - expectedDuration) <= 1 / fps + 1e-6, "duration \(duration) vs \(expectedDuration)")

        for (stream, theirs) in zip(ours.streams, reference.streams) {
            #expect(stream.kind.rawValue == theirs["codec_type"] as? String)
            if let start = (theirs["start_time"] as? String).flatMap(Double.init) {
                #expect(abs((stream.startTime ?? .nan) - start) < 0.001, "stream \(stream.index) start")
            }
            #expect(stream.codec == theirs["codec_name"] as? String)
            switch stream.kind {
            case .video:
                #expect(stream.width == theirs["width"] as? Int)
                #expect(stream.height == theirs["height"] as? Int)
                #expect(stream.pixelFormat == theirs["pix_fmt"] as? String)
                // ffprobe writes 0/0 for no frame rate; we leave the field out.
                let theirAverage = rationalValue(theirs["avg_frame_rate"] as? String)
                #expect(rationalValue(stream.averageFrameRate) == theirAverage)
                #expect(rationalValue(stream.realFrameRate) == rationalValue(theirs["r_frame_rate"] as? String))
                if let sar = theirs["sample_aspect_ratio"] as? String, sar != "0:1" {
                    #expect(rationalValue(stream.sampleAspectRatio) == rationalValue(sar))
                }
                // ffprobe: counter-clockwise degrees in side data; ours: clockwise turn 0..<360.
                let sideData = theirs["side_data_list"] as? [[String: Any]] ?? []
                let theirRotation = sideData.compactMap { $0["rotation"] as? Int }.first ?? 0
                #expect(stream.rotation == ((-theirRotation % 360) + 360) % 360)
                if let transfer = theirs["color_transfer"] as? String, transfer != "unknown" {
                    #expect(stream.colorTransfer == transfer)
                }
            case .audio:
                #expect(stream.sampleRate == Int(theirs["sample_rate"] as? String ?? ""))
                #expect(stream.channels == theirs["channels"] as? Int)
                #expect(stream.channelLayout == theirs["channel_layout"] as? String)
            default:
                break
            }
        }
    }
}

@Suite("Probe details")
struct ProbeDetailTests {
    @Test func phoneRecordingMetadata() throws {
        let info = try MediaProbe.probe(path: Fixture.path("h264_aac.mp4"))
        #expect(info.container.kind == "mp4")
        #expect(info.container.fastStart == true)
        #expect(info.container.hasSeekIndex)
        #expect(info.container.title == "Role-play: objection handling")
        #expect(info.container.creationTime == "2026-03-14T09:26:53Z")
        #expect(info.container.device == DeviceInfo(make: "Apple", model: "iPhone 15"))
        #expect(info.mainVideoStream == 0)
        #expect(info.mainAudioStream == 1)
        #expect(info.video?.language == "eng")
        #expect(info.video?.profile == "High")
        #expect(info.video?.bitDepth == 8)
        #expect(info.audio?.channelLayout == "stereo")
        #expect(info.playback.playable)
    }

    @Test("rotation from the display matrix", arguments: [("rotated_90.mp4", 90), ("rotated_270.mp4", 270), ("h264_aac.mp4", 0)])
    func rotation(_ name: String, _ degrees: Int) throws {
        let video = try #require(try MediaProbe.probe(path: Fixture.path(name)).video)
        #expect(video.rotation == degrees)
        #expect(video.width == 640 && video.height == 360)
        if degrees == 0 {
            #expect(video.displayWidth == 640 && video.displayHeight == 360)
        } else {
            #expect(video.displayWidth == 360 && video.displayHeight == 640)
        }
    }

    @Test func anamorphicPixelsGiveDisplaySize() throws {
        let video = try #require(try MediaProbe.probe(path: Fixture.path("anamorphic.mp4")).video)
        #expect(video.sampleAspectRatio == "4:3")
        #expect(video.displayWidth == 640 && video.displayHeight == 360)
    }

    @Test func streamOrderIsNotAssumed() throws {
        let info = try MediaProbe.probe(path: Fixture.path("audio_first.mp4"))
        #expect(info.streams[0].kind == .audio)
        #expect(info.mainVideoStream == 1)
        #expect(info.mainAudioStream == 0)
    }

    @Test func coverArtIsNotTheVideo() throws {
        let info = try MediaProbe.probe(path: Fixture.path("cover_art.mp3"))
        #expect(info.streams.contains { $0.isAttachedPicture && $0.kind == .video })
        #expect(info.mainVideoStream == nil)
        #expect(info.mainAudioStream == 0)
        #expect(info.container.title == "Model answer")
    }

    @Test func audioOnlyAndVideoOnly() throws {
        let audio = try MediaProbe.probe(path: Fixture.path("audio_only.m4a"))
        #expect(audio.container.kind == "m4a")
        #expect(audio.mainVideoStream == nil && audio.mainAudioStream == 0)
        let video = try MediaProbe.probe(path: Fixture.path("video_only.mp4"))
        #expect(video.mainVideoStream == 0 && video.mainAudioStream == nil)
    }

    @Test func hdrAndTenBit() throws {
        let hevc = try #require(try MediaProbe.probe(path: Fixture.path("hevc_10bit_hdr.mp4")).video)
        #expect(hevc.isHDR == true)
        #expect(hevc.bitDepth == 10)
        #expect(hevc.colorPrimaries == "bt2020")
        #expect(hevc.colorTransfer == "smpte2084")
        let h264 = try MediaProbe.probe(path: Fixture.path("h264_10bit.mkv"))
        #expect(h264.video?.bitDepth == 10)
        #expect(h264.video?.isHDR == false)
        #expect(h264.video?.profile == "High 10")
        #expect(!h264.playback.playable)
    }

    @Test func browserRecordingWithoutDuration() throws {
        let info = try MediaProbe.probe(path: Fixture.path("mediarecorder.webm"))
        #expect(info.container.kind == "webm")
        #expect(info.container.durationSource == "packets")
        #expect(!info.container.hasSeekIndex)
        #expect(info.playback.playable)
        #expect(info.playback.notes.contains { $0.contains("no seek index") })
        let indexed = try MediaProbe.probe(path: Fixture.path("vp9_opus.webm"))
        #expect(indexed.container.durationSource == "container")
        #expect(indexed.container.hasSeekIndex)
    }

    @Test func variableFrameRate() throws {
        let video = try #require(try MediaProbe.probe(path: Fixture.path("vfr.mp4")).video)
        let average = try #require(rationalValue(video.averageFrameRate))
        let real = try #require(rationalValue(video.realFrameRate))
        #expect(average < real)
    }

    @Test(
        "browser verdicts",
        arguments: [
            ("h264_aac.mp4", true), ("vp9_opus.webm", true), ("h264_aac.mkv", false), ("mpeg4_mp3.avi", false),
            ("hevc_10bit_hdr.mp4", false), ("h264_10bit.mkv", false),
        ])
    func playability(_ name: String, _ playable: Bool) throws {
        let verdict = try MediaProbe.probe(path: Fixture.path(name)).playback
        #expect(verdict.playable == playable)
        #expect(verdict.reasons.isEmpty == playable)
    }

    @Test func jsonRoundTripKeepsEverything() throws {
        let info = try MediaProbe.probe(path: Fixture.path("h264_aac.mp4"), checkAudio: true)
        let data = try JSONEncoder().encode(info)
        #expect(try JSONDecoder().decode(MediaInfo.self, from: data) == info)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(Set(object.keys) == ["schemaVersion", "container", "streams", "mainVideoStream", "mainAudioStream", "playback", "audioLevel"])
        #expect(object["schemaVersion"] as? Int == 1)
    }
}
