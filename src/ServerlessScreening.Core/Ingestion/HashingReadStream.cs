using System.Security.Cryptography;

namespace ServerlessScreening.Ingestion;

/// <summary>
/// A read-only pass-through that hashes (SHA-256) and counts every byte read from the inner stream, so an
/// upload is hashed in the same single pass that parses it. <see cref="FinishAsync"/> reads whatever the
/// parser left unread, so the hash always covers the whole upload.
/// </summary>
public sealed class HashingReadStream : ForwardReadStream
{
    private readonly Stream _inner;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private string? _sha256;

    public HashingReadStream(Stream inner) => _inner = inner ?? throw new ArgumentNullException(nameof(inner));

    public long BytesRead { get; private set; }

    public override long Position
    {
        get => BytesRead;
        set => throw new NotSupportedException();
    }

    /// <summary>Drains the rest of the inner stream and returns the lowercase hex SHA-256 of all its bytes.</summary>
    public async Task<string> FinishAsync(CancellationToken cancellationToken)
    {
        if (_sha256 is null)
        {
            var buffer = new byte[81920];
            while (await ReadAsync(buffer, cancellationToken) > 0)
            {
            }

            _sha256 = Convert.ToHexStringLower(_hash.GetHashAndReset());
        }

        return _sha256;
    }

    public override int Read(Span<byte> buffer)
    {
        var read = _inner.Read(buffer);
        Append(buffer[..read]);
        return read;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await _inner.ReadAsync(buffer, cancellationToken);
        Append(buffer.Span[..read]);
        return read;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash.Dispose();
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        if (_sha256 is not null || bytes.IsEmpty)
        {
            return;
        }

        _hash.AppendData(bytes);
        BytesRead += bytes.Length;
    }
}
