namespace ServerlessScreening.Ingestion;

/// <summary>The result of reading one untrusted field: a value, or a stable error code with a message a site data manager can act on.</summary>
public readonly record struct Parsed<T>
{
    private Parsed(T? value, string? errorCode, string? message)
    {
        Value = value;
        ErrorCode = errorCode;
        Message = message;
    }

    public T? Value { get; }

    public string? ErrorCode { get; }

    public string? Message { get; }

    public bool IsOk => ErrorCode is null;

    public static Parsed<T> Ok(T value) => new(value, null, null);

    public static Parsed<T> Error(string code, string message) => new(default, code, message);
}
