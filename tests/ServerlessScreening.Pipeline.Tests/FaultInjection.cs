using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace ServerlessScreening.Pipeline.Tests;

/// <summary>
/// Transient storage faults, injected in the client pipeline before the request leaves: a share of requests fails
/// with 503 Server Busy (throttling), 500 Internal Server Error, or a network error, as Azure Storage does under load.
/// Seeded, so a failing run can be reproduced.
/// </summary>
internal sealed class FaultInjection(double rate, int seed) : HttpPipelinePolicy
{
    private readonly Random _random = new(seed);
    private int _injected;

    public int Injected => Volatile.Read(ref _injected);

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        if (!Inject(message))
        {
            ProcessNext(message, pipeline);
        }
    }

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        if (!Inject(message))
        {
            await ProcessNextAsync(message, pipeline);
        }
    }

    private bool Inject(HttpMessage message)
    {
        int kind;
        lock (_random)
        {
            if (_random.NextDouble() >= rate)
            {
                return false;
            }

            kind = _random.Next(3);
        }

        Interlocked.Increment(ref _injected);
        if (kind == 2)
        {
            throw new IOException("injected network fault");
        }

        message.Response = new InjectedResponse(kind == 0 ? 503 : 500, message.Request.ClientRequestId);
        return true;
    }

    private sealed class InjectedResponse(int status, string requestId) : Response
    {
        private readonly Dictionary<string, string> _headers = new(StringComparer.OrdinalIgnoreCase) { ["x-ms-error-code"] = status == 503 ? "ServerBusy" : "InternalError" };

        public override int Status => status;

        // The transport stage normally classifies responses; an injected one never reaches it.
        public override bool IsError => true;

        public override string ReasonPhrase => status == 503 ? "Server Busy" : "Internal Server Error";

        public override Stream? ContentStream { get; set; } = new MemoryStream();

        public override string ClientRequestId { get; set; } = requestId;

        public override void Dispose()
        {
        }

        protected override bool ContainsHeader(string name) => _headers.ContainsKey(name);

        protected override IEnumerable<HttpHeader> EnumerateHeaders() => _headers.Select(h => new HttpHeader(h.Key, h.Value));

        protected override bool TryGetHeader(string name, out string value) => _headers.TryGetValue(name, out value!);

        protected override bool TryGetHeaderValues(string name, out IEnumerable<string> values)
        {
            var found = _headers.TryGetValue(name, out var value);
            values = found ? [value!] : [];
            return found;
        }
    }
}

/// <summary>
/// Once armed, fails the first request that <paramref name="matches"/> selects, as a host stopped just before sending
/// it would. The exception is not an I/O or HTTP failure, so the SDK does not retry it: the request never happens.
/// </summary>
internal sealed class FailFirstMatch(Func<HttpMessage, bool> matches) : HttpPipelinePolicy
{
    private int _armed;

    public void Arm() => Volatile.Write(ref _armed, 1);

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        FailIfFirst(message);
        ProcessNext(message, pipeline);
    }

    public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        FailIfFirst(message);
        return ProcessNextAsync(message, pipeline);
    }

    private void FailIfFirst(HttpMessage message)
    {
        if (Volatile.Read(ref _armed) == 1 && matches(message) && Interlocked.Exchange(ref _armed, 0) == 1)
        {
            throw new InvalidOperationException("injected: the host stopped before sending this request");
        }
    }
}

/// <summary>
/// Once armed, holds the first request that <paramref name="matches"/> selects until <see cref="Release"/>, so a test
/// can let other work overtake it (a slow or paused instance of a function).
/// </summary>
internal sealed class HoldFirstMatch(Func<HttpMessage, bool> matches) : HttpPipelinePolicy
{
    private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _armed;

    /// <summary>Completes when the held request has arrived.</summary>
    public Task Reached => _reached.Task;

    public void Arm() => Volatile.Write(ref _armed, 1);

    public void Release() => _released.TrySetResult();

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        if (IsFirst(message))
        {
            _reached.TrySetResult();
            _released.Task.GetAwaiter().GetResult();
        }

        ProcessNext(message, pipeline);
    }

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        if (IsFirst(message))
        {
            _reached.TrySetResult();
            await _released.Task;
        }

        await ProcessNextAsync(message, pipeline);
    }

    private bool IsFirst(HttpMessage message) =>
        Volatile.Read(ref _armed) == 1 && matches(message) && Interlocked.Exchange(ref _armed, 0) == 1;
}
