// The workflows library the verbs call (the CLI holds verbs, config parsing and progress only).
global using MlipEngine.Workflows;
global using MlipEngine.Workflows.Evaluation;
global using MlipEngine.Workflows.ForceFields;
global using MlipEngine.Workflows.Md;
global using MlipEngine.Workflows.Relaxation;
global using MlipEngine.Workflows.Train;
global using MlipEngine.Cli.Progress;
