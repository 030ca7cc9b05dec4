# expect: allow
# why: a dummy batch to trace shapes or count FLOPs never reaches training.
import torch
import torchvision

model = torchvision.models.resnet18()
dummy_input = torch.randn(1, 3, 224, 224)
out = model(dummy_input)
print(out.shape, sum(p.numel() for p in model.parameters()))
example_inputs = (torch.randn(2, 3, 224, 224),)
torch.onnx.export(model, torch.randn(1, 3, 224, 224), "model.onnx")
traced = torch.jit.trace(model, example_inputs=example_inputs)
