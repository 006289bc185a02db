namespace MlipEngine.IO;

/// <summary>
/// One frame of a multi-frame file read frame by frame: the frame, or why it could not be read.
/// <see cref="RestUnread"/>: the frame's boundaries were lost (its atom-count line is unreadable),
/// so the file is cut here and its later frames, if any, were not read.
/// </summary>
public sealed record FrameRead(int Index, Frame? Frame, StructureFormatException? Error, bool RestUnread);
