// The cdk8s app behind `cdk8s synth` (see cdk8s.yaml): writes dist/ (or $CDK8S_OUTDIR).
import { App } from "cdk8s";
import { defineScenarios } from "./app.js";

const app = new App();
defineScenarios(app);
app.synth();
