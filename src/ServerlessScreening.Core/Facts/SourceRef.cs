namespace ServerlessScreening.Facts;

/// <summary>Where a fact came from: the upload blob (container-qualified, e.g. <c>uploads/site-001/labs.csv</c>) and the line (CSV) or record (NDJSON) number in it.</summary>
public sealed record SourceRef(string Blob, int Line);
