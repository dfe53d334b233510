/// How closely a picture taken from a video must match the time asked for.
public enum FramePrecision: String, Sendable, CaseIterable, Codable {
    /// The first frame at or after the time: decodes forward from the key frame before it.
    case exact
    /// A key frame inside the interval the picture stands for when there is one (one
    /// frame decoded), otherwise exact. The default for storyboards.
    case fast
    /// The nearest key frame, however far: the least decoding, like
    /// `ffmpeg -skip_frame nokey`.
    case keyframe
}
