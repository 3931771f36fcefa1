"""Class list of the synthetic street scenes.

The seven Cityscapes *category* groups, in Cityscapes order.  The class id of a
pixel is its index in ``CLASS_NAMES``; the colours are the Cityscapes category
colours.  What each group contains in the generator:

    0 flat          road, lane markings, crosswalks, sidewalks and curbs, paved yards
    1 human         pedestrians
    2 vehicle       cars, vans, buses/trucks
    3 construction  buildings (facades, roofs), walls, fences, guard rails
    4 object        poles (street lamps, utility poles, sign posts), traffic signs,
                    traffic lights
    5 nature        trees (trunk and canopy), hedges, bushes, grass and terrain
    6 sky           sky (depth 0 = invalid)
"""

import numpy as np

FLAT, HUMAN, VEHICLE, CONSTRUCTION, OBJECT, NATURE, SKY = range(7)

CLASS_NAMES = ("flat", "human", "vehicle", "construction", "object", "nature", "sky")

CLASS_COLORS = (
    (128, 64, 128),   # flat
    (220, 20, 60),    # human
    (0, 0, 142),      # vehicle
    (70, 70, 70),     # construction
    (153, 153, 153),  # object
    (107, 142, 35),   # nature
    (70, 130, 180),   # sky
)

NUM_CLASSES = len(CLASS_NAMES)

PALETTE = np.array(CLASS_COLORS, dtype=np.uint8)


def colorize(classes):
    """uint8 class ids [H, W] -> uint8 RGB [H, W, 3] in the Cityscapes colours."""
    return PALETTE[np.asarray(classes)]
