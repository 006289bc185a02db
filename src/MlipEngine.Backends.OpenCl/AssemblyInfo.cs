using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("MlipEngine.Tests")]
[assembly: InternalsVisibleTo("MlipEngine.Bench")]
