using System.Text;

namespace ServerlessScreening.Ingestion;

/// <summary>An upload opened as text: the reader and the encoding it was read with.</summary>
public sealed class DecodedText(TextReader reader, Func<string> encodingName) : IDisposable
{
    public TextReader Reader { get; } = reader;

    /// <summary>The encoding the text was read with; for a file that starts in plain ASCII, final once it has been read.</summary>
    public string EncodingName => encodingName();

    public void Dispose() => Reader.Dispose();
}

/// <summary>
/// Detects the encoding of an upload without being told: a byte-order mark decides (UTF-8, UTF-16 LE/BE);
/// without one, the first <see cref="SniffBytes"/> bytes decide between UTF-8 and GB18030, the superset of GBK that
/// Chinese hospital systems export. Bytes that are not valid UTF-8 are GB18030. Valid UTF-8 can still be GB18030:
/// a few Chinese characters whose GB18030 bytes pair up as two-byte UTF-8 sequences (小时 reads as "Сʱ"), so when
/// both decodings are possible the one with fewer characters foreign to a lab export wins, and a tie is UTF-8.
/// A site profile or manifest may name the encoding instead. The stream is read once: the sniffed prefix is
/// replayed, never re-read. A prefix of plain ASCII decides nothing, as both encodings read ASCII alike: such a file
/// is decided where its first other byte appears, from the <see cref="SniffBytes"/> bytes from there on, and read on
/// as UTF-8 or transcoded from GB18030.
/// </summary>
public static class TextDecoding
{
    public const int SniffBytes = 64 * 1024;

    private static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    static TextDecoding() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    public static Encoding Gb18030 => Encoding.GetEncoding("GB18030");

    /// <summary>Resolves an encoding a profile or manifest names; null when the name is unknown.</summary>
    public static Encoding? Named(string name)
    {
        var key = Text.Keys.Name(name);
        return key switch
        {
            "utf8" or "utf8bom" => Utf8,
            "utf16" or "utf16le" or "unicode" => Encoding.Unicode,
            "utf16be" => Encoding.BigEndianUnicode,
            "gb18030" or "gbk" or "gb2312" or "cp936" => Gb18030,
            _ => TryGet(name),
        };
    }

    public static async Task<DecodedText> OpenAsync(Stream stream, Encoding? declared, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var prefix = new byte[SniffBytes];
        var length = 0;
        while (length < prefix.Length)
        {
            var read = await stream.ReadAsync(prefix.AsMemory(length), cancellationToken);
            if (read == 0)
            {
                break;
            }

            length += read;
        }

        var (encoding, name, bomLength) = Detect(prefix.AsSpan(0, length), declared);
        Stream replay = new PrefixedStream(prefix, bomLength, length - bomLength, stream);
        Func<string> named = () => name;
        if (declared is null && bomLength == 0 && length == prefix.Length && !HasNonAscii(prefix))
        {
            var late = new LateDetectionStream(replay);
            replay = late;
            named = () => late.EncodingName;
        }

        var reader = new StreamReader(replay, encoding, detectEncodingFromByteOrderMarks: false, bufferSize: 64 * 1024, leaveOpen: false);
        return new DecodedText(reader, named);
    }

    /// <summary>UTF-8 or GB18030 for bytes that are not all ASCII, as <see cref="Detect"/> decides a prefix.</summary>
    private static bool IsUtf8(ReadOnlySpan<byte> bytes) =>
        TryDecodeUtf8(bytes, out var utf8) && !(HasNonAscii(bytes) && Foreign(Gb18030.GetString(bytes)) < Foreign(utf8));

    internal static (Encoding Encoding, string Name, int BomLength) Detect(ReadOnlySpan<byte> prefix, Encoding? declared)
    {
        if (prefix.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            return (Utf8, "utf-8-bom", 3);
        }

        if (prefix.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]))
        {
            return (Encoding.Unicode, "utf-16le", 2);
        }

        if (prefix.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            return (Encoding.BigEndianUnicode, "utf-16be", 2);
        }

        if (declared is not null)
        {
            return (declared, declared.WebName, 0);
        }

        return IsUtf8(prefix) ? (Utf8, "utf-8", 0) : (Gb18030, "gb18030", 0);
    }

    private static bool HasNonAscii(ReadOnlySpan<byte> bytes) => bytes.IndexOfAnyInRange((byte)0x80, (byte)0xFF) >= 0;

    /// <summary>
    /// Characters a site's lab or medication export does not plausibly contain: anything beyond ASCII except CJK
    /// ideographs and punctuation, full-width forms, and the signs units and values use: Latin-1 (µ, °, ×, ±), Greek (μ),
    /// general punctuation, super- and subscripts (⁹), letterlike symbols (℃), arrows and mathematical operators (≥).
    /// A replacement character at the very end is a character cut by the end of the sniffed prefix, not foreign.
    /// </summary>
    private static int Foreign(ReadOnlySpan<char> text)
    {
        var end = text.Length > 0 && text[^1] == '\uFFFD' ? text.Length - 1 : text.Length;
        var foreign = 0;
        for (var i = 0; i < end; i++)
        {
            var c = text[i];
            var plausible = c < 0x80
                || c is >= '\u00A0' and <= '\u00FF'
                || c is >= '\u0391' and <= '\u03C9'
                || c is >= '\u2000' and <= '\u214F'
                || c is >= '\u2190' and <= '\u22FF'
                || c is >= '\u3000' and <= '\u303F'
                || c is >= '\u4E00' and <= '\u9FFF'
                || c is >= '\uFF00' and <= '\uFFEF'
                || char.IsSurrogate(c);
            if (!plausible)
            {
                foreign++;
            }
        }

        return foreign;
    }

    // Valid UTF-8, allowing a multi-byte sequence cut off by the end of the sniffed prefix (left out of the text).
    private static bool TryDecodeUtf8(ReadOnlySpan<byte> bytes, out ReadOnlySpan<char> text)
    {
        var buffer = new char[bytes.Length];
        var status = System.Text.Unicode.Utf8.ToUtf16(bytes, buffer, out var consumed, out var written, replaceInvalidSequences: false, isFinalBlock: false);
        text = buffer.AsSpan(0, written);
        return status is System.Buffers.OperationStatus.Done or System.Buffers.OperationStatus.NeedMoreData && bytes.Length - consumed < 4;
    }

    private static Encoding? TryGet(string name)
    {
        try
        {
            return Encoding.GetEncoding(name);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>
    /// Passes bytes through, as UTF-8, until the first byte that is not ASCII. There it reads up to
    /// <see cref="SniffBytes"/> bytes ahead and decides as <see cref="Detect"/> does: UTF-8 goes on passing through;
    /// GB18030 is transcoded to UTF-8 from that byte on, so the reader, opened for UTF-8, reads it right.
    /// </summary>
    private sealed class LateDetectionStream(Stream inner) : ForwardReadStream
    {
        private const int ChunkBytes = 16 * 1024;

        // Bytes read from the inner stream ahead of the reader, delivered (or transcoded) before any more are read.
        private readonly Queue<byte> _ahead = new();
        private readonly byte[] _raw = new byte[ChunkBytes];
        private Decoder? _gb18030;
        private Encoder? _utf8;
        private char[] _chars = [];
        private byte[] _transcoded = [];
        private int _transcodedOffset;
        private int _transcodedCount;
        private bool _decided;
        private bool _innerDone;

        public string EncodingName => _gb18030 is null ? "utf-8" : "gb18030";

        public override int Read(Span<byte> buffer)
        {
            // With sync set, every await inside completes before it returns, so the task is already complete.
            var rented = System.Buffers.ArrayPool<byte>.Shared.Rent(buffer.Length);
            try
            {
                var read = ReadCoreAsync(rented.AsMemory(0, buffer.Length), sync: true, CancellationToken.None).AsTask().GetAwaiter().GetResult();
                rented.AsSpan(0, read).CopyTo(buffer);
                return read;
            }
            finally
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(rented);
            }
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ReadCoreAsync(buffer, sync: false, cancellationToken);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }

        private async ValueTask<int> ReadCoreAsync(Memory<byte> buffer, bool sync, CancellationToken cancellationToken)
        {
            if (buffer.IsEmpty)
            {
                return 0;
            }

            if (_gb18030 is not null)
            {
                return await TranscodedAsync(buffer, sync, cancellationToken);
            }

            var read = await ReadRawAsync(buffer, sync, cancellationToken);
            var first = _decided ? -1 : buffer.Span[..read].IndexOfAnyInRange((byte)0x80, (byte)0xFF);
            if (first < 0)
            {
                return read;
            }

            // The bytes from the first non-ASCII one on, and the inner stream's next ones up to the sniff's size,
            // decide; whatever of them this read does not return is delivered from the queue.
            var region = new List<byte>(SniffBytes);
            region.AddRange(buffer.Span[first..read]);
            region.AddRange(_ahead);
            _ahead.Clear();
            while (region.Count < SniffBytes && !_innerDone)
            {
                var more = await InnerReadAsync(_raw, sync, cancellationToken);
                region.AddRange(_raw.AsSpan(0, more));
            }

            _decided = true;
            if (IsUtf8(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(region)))
            {
                Enqueue(region, read - first);
                return read;
            }

            _gb18030 = Gb18030.GetDecoder();
            _utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetEncoder();
            Enqueue(region, 0);
            return first > 0 ? first : await TranscodedAsync(buffer, sync, cancellationToken);
        }

        private void Enqueue(List<byte> bytes, int from)
        {
            for (var i = from; i < bytes.Count; i++)
            {
                _ahead.Enqueue(bytes[i]);
            }
        }

        private async ValueTask<int> InnerReadAsync(Memory<byte> buffer, bool sync, CancellationToken cancellationToken)
        {
            if (_innerDone)
            {
                return 0;
            }

            var read = sync ? inner.Read(buffer.Span) : await inner.ReadAsync(buffer, cancellationToken);
            _innerDone = read == 0;
            return read;
        }

        /// <summary>Bytes read ahead first, then the inner stream.</summary>
        private ValueTask<int> ReadRawAsync(Memory<byte> buffer, bool sync, CancellationToken cancellationToken)
        {
            if (_ahead.Count == 0)
            {
                return InnerReadAsync(buffer, sync, cancellationToken);
            }

            var span = buffer.Span;
            var n = 0;
            while (n < span.Length && _ahead.TryDequeue(out var b))
            {
                span[n++] = b;
            }

            return ValueTask.FromResult(n);
        }

        /// <summary>GB18030 bytes decoded and re-encoded as UTF-8; what does not fit waits for the next read.</summary>
        private async ValueTask<int> TranscodedAsync(Memory<byte> buffer, bool sync, CancellationToken cancellationToken)
        {
            while (_transcodedOffset == _transcodedCount)
            {
                var read = await ReadRawAsync(_raw, sync, cancellationToken);
                var flush = read == 0;
                var charCount = _gb18030!.GetCharCount(_raw, 0, read, flush);
                if (_chars.Length < charCount)
                {
                    _chars = new char[Math.Max(charCount, ChunkBytes)];
                }

                _gb18030.GetChars(_raw, 0, read, _chars, 0, flush);
                var byteCount = _utf8!.GetByteCount(_chars, 0, charCount, flush);
                if (_transcoded.Length < byteCount)
                {
                    _transcoded = new byte[Math.Max(byteCount, 3 * ChunkBytes)];
                }

                _transcodedCount = _utf8.GetBytes(_chars, 0, charCount, _transcoded, 0, flush);
                _transcodedOffset = 0;
                if (flush && _transcodedCount == 0)
                {
                    return 0;
                }
            }

            var n = Math.Min(buffer.Length, _transcodedCount - _transcodedOffset);
            _transcoded.AsSpan(_transcodedOffset, n).CopyTo(buffer.Span);
            _transcodedOffset += n;
            return n;
        }
    }

    /// <summary>Replays a buffered prefix, then continues with the rest of the inner stream.</summary>
    private sealed class PrefixedStream(byte[] prefix, int offset, int count, Stream rest) : ForwardReadStream
    {
        private int _offset = offset;
        private int _remaining = count;

        public override int Read(Span<byte> buffer)
        {
            if (_remaining > 0)
            {
                return FromPrefix(buffer);
            }

            return rest.Read(buffer);
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            _remaining > 0 ? ValueTask.FromResult(FromPrefix(buffer.Span)) : rest.ReadAsync(buffer, cancellationToken);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                rest.Dispose();
            }

            base.Dispose(disposing);
        }

        private int FromPrefix(Span<byte> buffer)
        {
            var n = Math.Min(buffer.Length, _remaining);
            prefix.AsSpan(_offset, n).CopyTo(buffer);
            _offset += n;
            _remaining -= n;
            return n;
        }
    }
}
