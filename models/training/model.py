"""Conv-only CTC recogniser: 1x32x160 grayscale line -> 40 time steps of class probabilities (index 0 = blank).

Plain 3x3 convolutions: on a shared 2-core CPU they train as fast as depthwise-separable blocks of the same
width (PyTorch's depthwise backward is slow) and carry more capacity."""
import torch
from torch import nn


def _conv(cin: int, cout: int, stride=1, kernel=3, padding=1) -> list[nn.Module]:
    return [nn.Conv2d(cin, cout, kernel, stride, padding, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]


class PlateRecognizer(nn.Module):
    def __init__(self, num_classes: int) -> None:
        super().__init__()
        self.features = nn.Sequential(
            *_conv(1, 24, 2),  # 16x80
            *_conv(24, 48, 2),  # 8x40
            *_conv(48, 48),
            *_conv(48, 64, (2, 1)),  # 4x40
            *_conv(64, 64),
            *_conv(64, 96, (2, 1)),  # 2x40
            *_conv(96, 128, kernel=(2, 1), padding=0),  # 1x40
            *_conv(128, 128, kernel=(1, 5), padding=(0, 2)),  # context along the line
            nn.Dropout(0.1),
        )
        self.classifier = nn.Conv2d(128, num_classes, 1)

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
