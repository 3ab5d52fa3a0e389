using System.Text;

namespace ServerlessScreening.Ingestion;

/// <summary>An upload opened as text: the reader and the encoding it was read with.</summary>
public sealed record DecodedText(TextReader Reader, string EncodingName) : IDisposable
{
    public void Dispose() => Reader.Dispose();
}

/// <summary>
/// Detects the encoding of an upload without being told: a byte-order mark decides (UTF-8, UTF-16 LE/BE);
/// without one, the first <see cref="SniffBytes"/> bytes decide between UTF-8 and GB18030, the superset of GBK that
/// Chinese hospital systems export. Bytes that are not valid UTF-8 are GB18030. Valid UTF-8 can still be GB18030:
/// a few Chinese characters whose GB18030 bytes pair up as two-byte UTF-8 sequences (小时 reads as "Сʱ"), so when
/// both decodings are possible the one with fewer characters foreign to a lab export wins, and a tie is UTF-8.
/// A site profile or manifest may name the encoding instead. The stream is read once: the sniffed prefix is
/// replayed, never re-read.
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
        var replay = new PrefixedStream(prefix, bomLength, length - bomLength, stream);
        var reader = new StreamReader(replay, encoding, detectEncodingFromByteOrderMarks: false, bufferSize: 64 * 1024, leaveOpen: false);
        return new DecodedText(reader, name);
    }

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

        return TryDecodeUtf8(prefix, out var utf8) && !(HasNonAscii(prefix) && Foreign(Gb18030.GetString(prefix)) < Foreign(utf8))
            ? (Utf8, "utf-8", 0)
            : (Gb18030, "gb18030", 0);
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

    /// <summary>Replays a buffered prefix, then continues with the rest of the inner stream.</summary>
    private sealed class PrefixedStream(byte[] prefix, int offset, int count, Stream rest) : Stream
    {
        private int _offset = offset;
        private int _remaining = count;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_remaining > 0)
            {
                return FromPrefix(buffer);
            }

            return rest.Read(buffer);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            _remaining > 0 ? ValueTask.FromResult(FromPrefix(buffer.Span)) : rest.ReadAsync(buffer, cancellationToken);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

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
