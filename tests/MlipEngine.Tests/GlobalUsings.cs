global using MlipEngine.Potentials.Spec;
global using MlipEngine.Workflows;
global using MlipEngine.Workflows.Evaluation;
global using MlipEngine.Workflows.ForceFields;
global using MlipEngine.Workflows.Md;
global using MlipEngine.Workflows.Relaxation;
global using MlipEngine.Workflows.Train;
