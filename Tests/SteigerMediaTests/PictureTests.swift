import Testing

@testable import SteigerMedia

@Suite("Pictures")
struct PictureTests {
    /// A 4×2 picture whose luma samples are 0...7 row by row.
    func numbered() -> Picture {
        var picture = Picture(width: 4, height: 2, fullRange: true)
        for i in 0..<8 { picture.samples[i] = UInt8(i) }
        return picture
    }

    func luma(_ picture: Picture) -> [[UInt8]] {
        (0..<picture.height).map { y in Array(picture.samples[(y * picture.width)..<((y + 1) * picture.width)]) }
    }

    @Test func rotations() {
        let picture = numbered()
        #expect(luma(picture) == [[0, 1, 2, 3], [4, 5, 6, 7]])
        #expect(luma(picture.rotated(clockwise: 90)) == [[4, 0], [5, 1], [6, 2], [7, 3]])
        #expect(luma(picture.rotated(clockwise: 180)) == [[7, 6, 5, 4], [3, 2, 1, 0]])
        #expect(luma(picture.rotated(clockwise: 270)) == [[3, 7], [2, 6], [1, 5], [0, 4]])
        #expect(picture.rotated(clockwise: 360) == picture)
        #expect(picture.rotated(clockwise: 90).rotated(clockwise: 270) == picture)
    }

    @Test func drawingClipsAtTheEdges() {
        var canvas = Picture(width: 6, height: 4, fullRange: true)
        canvas.draw(numbered(), x: 4, y: 2)
        #expect(luma(canvas)[2] == [0, 0, 0, 0, 0, 1])
        #expect(luma(canvas)[3] == [0, 0, 0, 0, 4, 5])
    }

    @Test func drawingClipsAboveAndLeft() {
        var canvas = Picture(width: 4, height: 4, fullRange: true)
        canvas.draw(numbered(), x: -2, y: 0)
        #expect(luma(canvas)[0] == [2, 3, 0, 0])
        #expect(luma(canvas)[1] == [6, 7, 0, 0])
        canvas.draw(numbered(), x: 0, y: -2)  // entirely above: nothing changes
        #expect(luma(canvas)[0] == [2, 3, 0, 0])
        canvas.draw(numbered(), x: -8, y: 2)  // entirely to the left
        #expect(luma(canvas)[2] == [0, 0, 0, 0])
    }

    @Test func webVTTTimestamps() {
        #expect(WebVTT.timestamp(0) == "00:00:00.000")
        #expect(WebVTT.timestamp(3723.4567) == "01:02:03.457")
        #expect(WebVTT.document([(0, 2, "a.jpg#xywh=0,0,160,90")]) == "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\na.jpg#xywh=0,0,160,90\n")
    }
}
