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
