"""Conv-only CTC recogniser (channel counts scaled by `width`): 1x32x160 grayscale line -> 40 time steps of class probabilities (index 0 = blank).

Plain 3x3 convolutions: on a shared 2-core CPU they train as fast as depthwise-separable blocks of the same
width (PyTorch's depthwise backward is slow) and carry more capacity."""
import torch
from torch import nn


def _conv(cin: int, cout: int, stride=1, kernel=3, padding=1) -> list[nn.Module]:
    return [nn.Conv2d(cin, cout, kernel, stride, padding, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]


class PlateRecognizer(nn.Module):
    def __init__(self, num_classes: int, width: float = 1.0) -> None:
        super().__init__()
        c = [int(round(n * width)) for n in (24, 48, 64, 96, 128)]
        self.features = nn.Sequential(
            *_conv(1, c[0], 2),  # 16x80
            *_conv(c[0], c[1], 2),  # 8x40
            *_conv(c[1], c[1]),
            *_conv(c[1], c[2], (2, 1)),  # 4x40
            *_conv(c[2], c[2]),
            *_conv(c[2], c[3], (2, 1)),  # 2x40
            *_conv(c[3], c[4], kernel=(2, 1), padding=0),  # 1x40
            *_conv(c[4], c[4], kernel=(1, 5), padding=(0, 2)),  # context along the line
            nn.Dropout(0.1),
        )
        self.classifier = nn.Conv2d(c[4], num_classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: (N,1,32,160) -> logits (N,40,C)."""
        return self.classifier(self.features(x)).squeeze(2).permute(0, 2, 1)


class ExportWrapper(nn.Module):
    """What the ONNX file computes: softmax probabilities (N,40,C)."""

    def __init__(self, model: PlateRecognizer) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.model(x), dim=2)


class ExportedRecognizer(nn.Module):
    """The network inside an exported ONNX file (BatchNorm folded into the convolutions), back in PyTorch: evaluates
    the committed model itself, whose training checkpoint is not committed. Same logits as PlateRecognizer."""

    def __init__(self, onnx_path: str) -> None:
        import onnx
        from onnx import numpy_helper

        super().__init__()
        graph = onnx.load(onnx_path).graph
        weights = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in graph.initializer}
        convs = []
        for node in graph.node:
            if node.op_type != "Conv":
                continue
            attrs = {a.name: list(a.ints) for a in node.attribute}
            w = weights[node.input[1]]
            conv = nn.Conv2d(w.shape[1], w.shape[0], tuple(attrs["kernel_shape"]), tuple(attrs.get("strides", [1, 1])),
                             tuple(attrs.get("pads", [0, 0, 0, 0])[:2]))
            conv.weight.data.copy_(w)
            conv.bias.data.copy_(weights[node.input[2]])
            convs.append(conv)
        layers: list[nn.Module] = []
        for conv in convs[:-1]:
            layers += [conv, nn.ReLU(inplace=True)]
        self.features = nn.Sequential(*layers)
        self.classifier = convs[-1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x)).squeeze(2).permute(0, 2, 1)
