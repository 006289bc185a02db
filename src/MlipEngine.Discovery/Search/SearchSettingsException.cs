namespace MlipEngine.Discovery.Search;

/// <summary>A search setting that cannot work (an element the potential lacks, a minimum distance that cannot fit, a zero budget); the message starts with the config key.</summary>
public sealed class SearchSettingsException(string message) : ArgumentException(message);
